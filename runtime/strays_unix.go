//go:build unix

package runtime

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// killStrays kills every process of this host whose working directory is
// under one of dirs, with its process group. A workload directory without
// a record is one an agent was killed in while it spawned the plugin: the
// plugin may already run (it was about to be recorded), and the services
// it started with it; nothing else will ever stop them once the directory
// is gone. It returns the pids it killed.
func killStrays(dirs ...string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var killed []int
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", ent.Name(), "cwd"))
		if err != nil || !underAny(cwd, dirs) {
			continue
		}
		if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err == nil || !errors.Is(err, syscall.ESRCH) {
			killed = append(killed, pid)
		}
	}
	return killed
}
