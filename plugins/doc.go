// Package plugins defines the go-plugin (gRPC) interfaces for the three
// workload shapes — jobs, services and the OSGi-style runtime container —
// the built-in plugins, and a small SDK for writing artifact plugins in Go.
//
// It imports nothing from this module: it is the bottom of the agent side.
package plugins
