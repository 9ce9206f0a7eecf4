package sdk

import "syscall"

// treeProcAttr starts a command as the leader of its own process group.
// Pdeathsig SIGKILLs it when this plugin dies, so a crashed plugin never
// leaves its job running unwatched.
func treeProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
