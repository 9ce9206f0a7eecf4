// Package agent is the engine daemon that runs on customer hosts: its
// configuration, identity store, pairing, the QUIC session loop over a list
// of control-plane servers with jittered back-off, heartbeats, host facts,
// assignment handling and the artifact cache.
//
// It may import protocol and runtime. It must never import controlplane or
// cluster code.
package agent
