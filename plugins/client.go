package plugins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Client is the host's view of a plugin of one shape. It implements
// Container; on a job or service plugin Bundle and Bundles fail.
type Client struct {
	cc    *grpc.ClientConn
	shape string
	svc   string
}

var _ Container = (*Client)(nil)

// Shape is the shape this client was dispensed as.
func (c *Client) Shape() string { return c.shape }

func (c *Client) call(ctx context.Context, method string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("plugin %s.%s: %w", c.shape, method, err)
	}
	resp := new(wrapperspb.BytesValue)
	if err := c.cc.Invoke(ctx, "/"+c.svc+"/"+method, wrapperspb.Bytes(b), resp); err != nil {
		return fmt.Errorf("plugin %s.%s: %s", c.shape, method, status.Convert(err).Message())
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.GetValue(), out); err != nil {
		return fmt.Errorf("plugin %s.%s: decode reply: %w", c.shape, method, err)
	}
	return nil
}

// Start implements Workload.
func (c *Client) Start(ctx context.Context, req StartRequest) (StartInfo, error) {
	var out StartInfo
	err := c.call(ctx, "Start", req, &out)
	return out, err
}

// Wait implements Workload.
func (c *Client) Wait(ctx context.Context) (Outcome, error) {
	var out Outcome
	err := c.call(ctx, "Wait", struct{}{}, &out)
	return out, err
}

// Stop implements Workload.
func (c *Client) Stop(ctx context.Context, req StopRequest) error {
	return c.call(ctx, "Stop", req, nil)
}

// Status implements Workload.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var out Status
	err := c.call(ctx, "Status", struct{}{}, &out)
	return out, err
}

// Bundle implements Container.
func (c *Client) Bundle(ctx context.Context, op BundleOp) (BundleInfo, error) {
	var out BundleInfo
	err := c.call(ctx, "Bundle", op, &out)
	return out, err
}

// Bundles implements Container.
func (c *Client) Bundles(ctx context.Context) ([]BundleInfo, error) {
	var out []BundleInfo
	err := c.call(ctx, "Bundles", struct{}{}, &out)
	return out, err
}

// Logs implements Workload.
func (c *Client) Logs(ctx context.Context, req LogsRequest, send func(LogLine) error) error {
	stream, err := c.cc.NewStream(ctx, &grpc.StreamDesc{StreamName: "Logs", ServerStreams: true}, "/"+c.svc+"/Logs")
	if err != nil {
		return fmt.Errorf("plugin %s.Logs: %s", c.shape, status.Convert(err).Message())
	}
	b, _ := json.Marshal(req)
	if err := stream.SendMsg(wrapperspb.Bytes(b)); err != nil {
		return fmt.Errorf("plugin %s.Logs: %w", c.shape, err)
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("plugin %s.Logs: %w", c.shape, err)
	}
	for {
		msg := new(wrapperspb.BytesValue)
		err := stream.RecvMsg(msg)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("plugin %s.Logs: %s", c.shape, status.Convert(err).Message())
		}
		var l LogLine
		if err := json.Unmarshal(msg.GetValue(), &l); err != nil {
			return fmt.Errorf("plugin %s.Logs: decode line: %w", c.shape, err)
		}
		if err := send(l); err != nil {
			return err
		}
	}
}

// Detach closes the connection without stopping the plugin: the agent
// does this when it shuts down and leaves workloads running.
func (c *Client) Detach() error { return c.cc.Close() }
