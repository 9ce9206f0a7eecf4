package plugins

import (
	"context"
	"encoding/json"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// serviceName is the gRPC service of one shape, e.g.
// "roundhouse.plugins.v1.Job".
func serviceName(shape string) string {
	switch shape {
	case ShapeJob:
		return "roundhouse.plugins.v1.Job"
	case ShapeService:
		return "roundhouse.plugins.v1.Service"
	default:
		return "roundhouse.plugins.v1.Container"
	}
}

// unaryFunc handles one JSON request and returns the JSON-able response.
type unaryFunc func(ctx context.Context, in []byte) (any, error)

func unaryMethod(svc, name string, fn unaryFunc) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.BytesValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, req any) (any, error) {
				out, err := fn(ctx, req.(*wrapperspb.BytesValue).GetValue())
				if err != nil {
					return nil, status.Error(codes.Unknown, err.Error())
				}
				b, err := json.Marshal(out)
				if err != nil {
					return nil, status.Error(codes.Internal, err.Error())
				}
				return wrapperspb.Bytes(b), nil
			}
			if icpt == nil {
				return call(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + svc + "/" + name}, call)
		},
	}
}

func decode(in []byte, v any) error {
	if len(in) == 0 {
		return nil
	}
	if err := json.Unmarshal(in, v); err != nil {
		return fmt.Errorf("decode request: %w", err)
	}
	return nil
}

// serviceDesc builds the gRPC service for impl in the given shape.
func serviceDesc(shape string, impl Workload) *grpc.ServiceDesc {
	svc := serviceName(shape)
	methods := []grpc.MethodDesc{
		unaryMethod(svc, "Start", func(ctx context.Context, in []byte) (any, error) {
			var req StartRequest
			if err := decode(in, &req); err != nil {
				return nil, err
			}
			return impl.Start(ctx, req)
		}),
		unaryMethod(svc, "Wait", func(ctx context.Context, _ []byte) (any, error) { return impl.Wait(ctx) }),
		unaryMethod(svc, "Stop", func(ctx context.Context, in []byte) (any, error) {
			var req StopRequest
			if err := decode(in, &req); err != nil {
				return nil, err
			}
			return struct{}{}, impl.Stop(ctx, req)
		}),
		unaryMethod(svc, "Status", func(ctx context.Context, _ []byte) (any, error) { return impl.Status(ctx) }),
	}
	if c, ok := impl.(Container); ok && shape == ShapeContainer {
		methods = append(methods,
			unaryMethod(svc, "Bundle", func(ctx context.Context, in []byte) (any, error) {
				var op BundleOp
				if err := decode(in, &op); err != nil {
					return nil, err
				}
				return c.Bundle(ctx, op)
			}),
			unaryMethod(svc, "Bundles", func(ctx context.Context, _ []byte) (any, error) { return c.Bundles(ctx) }),
		)
	}
	return &grpc.ServiceDesc{
		ServiceName: svc,
		HandlerType: (*any)(nil),
		Methods:     methods,
		Streams: []grpc.StreamDesc{{
			StreamName:    "Logs",
			ServerStreams: true,
			Handler: func(_ any, stream grpc.ServerStream) error {
				in := new(wrapperspb.BytesValue)
				if err := stream.RecvMsg(in); err != nil {
					return err
				}
				var req LogsRequest
				if err := decode(in.GetValue(), &req); err != nil {
					return status.Error(codes.InvalidArgument, err.Error())
				}
				return impl.Logs(stream.Context(), req, func(l LogLine) error {
					b, err := json.Marshal(l)
					if err != nil {
						return err
					}
					return stream.SendMsg(wrapperspb.Bytes(b))
				})
			},
		}},
	}
}
