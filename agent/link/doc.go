// Package link is the engine's link to the control plane: its identity
// (key, certificate, cluster CA and server list, kept in the data dir),
// pairing, and the session loop over the server list with jittered
// back-off, hello, heartbeats (with the host's load summary), certificate
// renewal, the servers a Welcome advertises, and the status file that
// `roundhouse-engine status` reads. It hands each session to the agent's
// Work and keeps the Current session that work is sent on.
//
// It may import protocol and agent/datadir. It must not know what the
// work is (jobs, deployments): those rooms import it, never the reverse,
// and it must never import controlplane or cluster code.
package link
