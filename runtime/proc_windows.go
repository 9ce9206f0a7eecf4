package runtime

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// stillActive is STILL_ACTIVE, GetExitCodeProcess's answer for a live
// process.
const stillActive = 259

// processStart returns a process's creation time (a FILETIME) and whether
// it still runs.
func processStart(pid int) (start uint64, running bool, err error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return 0, false, fmt.Errorf("open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return 0, false, fmt.Errorf("process %d times: %w", pid, err)
	}
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return 0, false, fmt.Errorf("process %d exit code: %w", pid, err)
	}
	return uint64(created.HighDateTime)<<32 | uint64(created.LowDateTime), code == stillActive, nil
}

// killProcessGroup terminates pid. Windows has no process groups to
// signal: a plugin keeps its job's processes in a Job Object that dies
// with it (see plugins/sdk), so ending the plugin ends the tree.
func killProcessGroup(pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return fmt.Errorf("open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	if err := windows.TerminateProcess(h, 1); err != nil {
		return fmt.Errorf("terminate process %d: %w", pid, err)
	}
	return nil
}
