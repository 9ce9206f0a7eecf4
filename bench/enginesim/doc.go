// Package enginesim simulates engines for the benchmark programs: real QUIC
// sessions speaking the agent protocol through the agent's own engine
// side of it, protocol/enginesession (pairing; hello and heartbeats on
// the one session stream of version 3), over a few shared UDP sockets. Each engine keeps its session up over
// a list of servers, failing over with jittered back-off as the agent
// does. With work (the shape of a production agent), each session also
// opens its work (WorkOpen) and sends an empty deployment report with the
// first heartbeat at least 30 s after the last one, as an agent running no
// deployment does.
//
// It is a load generator, not an agent: no host facts, no renewal, no
// executions, no identity on disk. It must not be used by the product.
package enginesim
