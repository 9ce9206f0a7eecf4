//go:build unix

package runtime

import (
	"errors"
	"syscall"
)

// killProcessGroup SIGKILLs the group led by pid, or pid alone when it
// leads none.
func killProcessGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		// Not a group leader (or the group is gone): the process alone.
		err = syscall.Kill(pid, syscall.SIGKILL)
	}
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
