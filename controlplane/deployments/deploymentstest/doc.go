// Package deploymentstest has a fake engine for deployment tests and
// benchmarks: it pairs with a real control plane and speaks the real
// protocol (the engine side of it is protocol/enginesession, the one the
// agent uses) over a real QUIC session (version 3: hello, heartbeats and the
// work on one session stream),
// answering Deploy with Downloading → Starting → RUNNING healthy (or a
// failed health check for the versions it is told to fail) and Undeploy
// with Undeploying → UNDEPLOYED. It must not be imported by production
// code.
package deploymentstest
