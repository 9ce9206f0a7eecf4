// Package engines is the engine domain of the control plane: the
// /processing/runtimes/remote-engines, remote-engine-clusters and
// run-profiles endpoints, and the node wiring of the agent link (the
// enginelink Directory over the replicated state, the heartbeat monitor as
// a leader-only loop, heartbeat forwarding from followers to the leader,
// and closing sessions of revoked engines on every node), and the Work
// adapter engine sessions run jobs and deployments through.
//
// It may import cluster, protocol, controlplane/api, controlplane/state,
// controlplane/enginelink, controlplane/executions, controlplane/artifacts
// and controlplane/deployments. It must not import agent, runtime or plugins.
package engines
