// Package robustness drives concurrent clients against a real three-node
// cluster while it injects faults (kill -9 and restart, SIGSTOP), records
// every operation with its invocation and return times, and checks the
// history for linearizability with porcupine against a register model per
// object. It owns the model and the recorder; it changes no product code
// and treats the binaries as black boxes.
package robustness
