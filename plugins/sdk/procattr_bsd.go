//go:build unix && !linux

package sdk

import "syscall"

// treeProcAttr starts a command as the leader of its own process group.
//
// macOS (and the BSDs) have no parent-death signal. What replaces it: the
// group's id is the job's pid, which the plugin reports to the agent
// (plugins.StartInfo.Pgid) and the agent records with its start time. If
// the plugin dies, the agent finds the plugin gone (on its next check or
// when it restarts and reattaches) and SIGKILLs that recorded group after
// checking the start time, so the job does not outlive its plugin by more
// than one agent check.
func treeProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
