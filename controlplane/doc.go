// Package controlplane wires a Roundhouse control-plane node together: the
// replicated state (package cluster, with the domain schema of
// controlplane/state), the HTTP API (controlplane/api and the domain
// handlers), authentication and authorization, and the leader-only loops.
//
// It may import cluster and protocol. It must not import agent, runtime or
// plugins: the engine binary never links control-plane code and the control
// plane never runs workloads itself.
package controlplane
