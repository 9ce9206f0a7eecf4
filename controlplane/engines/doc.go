// Package engines is the engine domain of the control plane: the
// /processing/runtimes/remote-engines, remote-engine-clusters and
// run-profiles endpoints, and the node wiring of the agent link (the
// enginelink Directory over the replicated state, the heartbeat monitor as
// a leader-only loop, heartbeat forwarding from followers to the leader,
// and closing sessions of revoked engines on every node).
//
// It may import cluster, protocol, controlplane/api, controlplane/state and
// controlplane/enginelink. It must not import agent, runtime or plugins.
package engines
