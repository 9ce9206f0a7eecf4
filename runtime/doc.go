// Package runtime runs workloads on an engine host: it starts go-plugin
// subprocesses in their own working directory and process group, applies
// resource limits (cgroup v2, cgroup v1, rlimits), captures logs, assigns
// ports, and reattaches to running workloads after an agent restart.
//
// It may import plugins (the interfaces). It must not import agent,
// controlplane or cluster code, and it knows nothing about the network
// session with the control plane.
package runtime
