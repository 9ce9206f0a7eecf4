package runtime

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// applyRlimits sets a started plugin's open-files limit from outside. Both
// soft and hard are set: a Go child raises its soft limit to the hard one
// at start. Lowering needs no privilege, but changing another user's
// process does (CAP_SYS_RESOURCE, which root lacks on our machines): for
// run-as workloads the plugin applies the limit to itself (sdk reads
// ROUNDHOUSE_MAX_OPEN_FILES), and an error here is only logged.
func applyRlimits(pid int, l Limits) error {
	if l.MaxOpenFiles <= 0 {
		return nil
	}
	n := uint64(l.MaxOpenFiles)
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: n, Max: n}, nil); err != nil {
		return fmt.Errorf("set open-files limit of pid %d: %w", pid, err)
	}
	return nil
}
