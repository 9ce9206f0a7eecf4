// Package cptest starts real control-plane nodes inside a test process
// (real raft, real HTTP on loopback, temp data dirs) and gives a small
// JSON client for them. It is for tests only.
package cptest
