// Package agent is the engine daemon that runs on customer hosts: its
// configuration, identity store, pairing, the QUIC session loop over a list
// of control-plane servers with jittered back-off, heartbeats, host facts,
// assignment handling and the artifact cache, and the deployments of
// routes and data services (deploy*.go: one instance per task, their
// statuses, reports and metrics, and a ledger so a restarted agent knows
// the services the runtime kept running).
//
// It may import protocol and runtime. It must never import controlplane or
// cluster code.
package agent
