//go:build unix

package runtime

// platformLimits accepts every run profile: Unix enforces open files with
// rlimits, and memory, CPU and processes with cgroups where there are any
// (New logs when there are none).
func platformLimits(Limits) error { return nil }
