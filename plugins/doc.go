// Package plugins defines the go-plugin (gRPC) interfaces for the three
// workload shapes — jobs, services and the OSGi-style runtime container —
// and the messages they exchange. The built-in plugins live in
// plugins/builtin and plugins/container; plugins/sdk lets an artifact
// author write a Go job or service in a few lines.
//
// The wire format is deliberately small: every RPC carries one JSON
// document inside a google.protobuf.BytesValue, over a hand-written
// grpc.ServiceDesc, so no protoc step is needed and unknown JSON fields are
// ignored (old agents and new plugins interoperate).
//
// It imports nothing from this module: it is the bottom of the agent side.
// It must not know about cgroups, state directories or the control plane.
package plugins
