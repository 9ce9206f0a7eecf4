// Package e2e holds multi-process tests: it builds the binaries once, starts
// control-plane nodes and agents as real processes with their own data
// directories, injects faults (kill -9, partitions) and waits on conditions.
//
// It uses the product only as a black box: through its binaries, HTTP API and
// files. It must not import internal packages to reach around them.
package e2e
