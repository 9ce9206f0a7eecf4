// Package cptest starts real control-plane nodes inside a test process
// (real raft, real HTTP on loopback, temp data dirs) and gives a small
// client for them over the api package. It is for tests only.
package cptest
