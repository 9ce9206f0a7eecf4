// Package benchkit holds what several benchmark programs need alike: a
// control-plane node run in-process with a quiet logger, and free loopback
// ports. It is for bench/ programs only.
package benchkit
