// Package agent is the engine daemon that runs on customer hosts. It
// assembles three rooms and owns nothing else: link (identity, pairing
// and the session with the control plane), jobs (executions) and deploy
// (routes and data services), with the runtime that runs their
// workloads, the artifact cache (agent/artifacts) and the data dir's
// layout (agent/datadir).
//
// It may import its rooms, runtime and protocol. It must never import
// controlplane or cluster code.
package agent
