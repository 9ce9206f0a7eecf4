// Package harness starts Roundhouse binaries as real processes for the
// end-to-end tests: it builds them once per test binary, gives each
// process its own data dir and free ports, waits on conditions (never
// fixed sleeps), prints a process's log when its test fails, and kills
// every process it started.
package harness
