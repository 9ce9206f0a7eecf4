// Package enginesim simulates engines for the benchmark programs: real QUIC
// sessions speaking the agent protocol (pairing, hello, one short stream
// per heartbeat) over a few shared UDP sockets, as research/quic-scale.md
// measured. Each engine keeps its session up over a list of servers,
// failing over with jittered back-off as the agent does.
//
// It is a load generator, not an agent: no host facts, no work stream, no
// renewal, no identity on disk. It must not be used by the product.
package enginesim
