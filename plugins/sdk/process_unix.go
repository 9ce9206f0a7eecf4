//go:build unix

package sdk

import "syscall"

// processTree is a started command and everything it forks: on Unix its
// own process group, led by the command (Setpgid), so one signal to the
// negative pid reaches the whole tree.
type processTree struct{ pgid int }

func newProcessTree(pid int) (*processTree, error) { return &processTree{pgid: pid}, nil }

// terminate asks the tree to end: SIGTERM to the group.
func (t *processTree) terminate() error { return syscall.Kill(-t.pgid, syscall.SIGTERM) }

// kill ends the tree at once: SIGKILL to the group.
func (t *processTree) kill() error { return killGroup(t.pgid) }

// close releases nothing on Unix: a process group needs no handle.
func (t *processTree) close() {}

// killGroup SIGKILLs the process group led by pgid.
func killGroup(pgid int) error { return syscall.Kill(-pgid, syscall.SIGKILL) }
