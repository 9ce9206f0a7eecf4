package runtime

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// szomb is a zombie's p_stat in macOS's <sys/proc.h>.
const szomb = 5

// processStart returns a process's start time (microseconds since the
// epoch, from kern.proc.pid) and whether it still runs (a zombie does not).
func processStart(pid int) (start uint64, running bool, err error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0, false, err
	}
	if int(kp.Proc.P_pid) != pid {
		return 0, false, syscall.ESRCH
	}
	t := kp.Proc.P_starttime
	return uint64(t.Sec)*1_000_000 + uint64(t.Usec), kp.Proc.P_stat != szomb, nil
}
