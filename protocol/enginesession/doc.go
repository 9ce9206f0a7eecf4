// Package enginesession is the engine side of the session protocol, the
// one copy of it that the agent, the control plane's fake engines and the
// benchmarks' simulated engines all use, so a protocol change is made
// once: pairing (the pinned pair TLS, PairRequest for a key made here, the
// checks of what is issued), and the session (mutual TLS, dial, the
// session stream with its framing, hello and Welcome, heartbeats and
// their acks, requests and certificate renewal, announced streams).
//
// It decides no policy: no retries, no back-off, no server lists, nothing
// on disk; its callers do that. It may import protocol and quic-go only,
// and must never import controlplane, cluster, agent or runtime code.
package enginesession
