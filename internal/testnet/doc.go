// Package testnet hands tests loopback ports that stay free until the test
// binds them.
//
// A port taken by binding port 0 and closing comes from the kernel's
// ephemeral range, so any other socket's port-0 bind (another test
// package running in parallel, an outgoing connection) can be given the
// same port before the test binds it again: "address already in use",
// once in a while. Ports from here are chosen at random below that range
// (which the kernel never hands out by itself) and checked free for TCP
// and UDP both; the only remaining clash is two tests drawing the same
// port at the same moment, which callers that can retry should.
//
// It is for tests and benchmarks only; it must not be imported by
// product code.
package testnet
