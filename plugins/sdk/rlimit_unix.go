//go:build unix

package sdk

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// EnvMaxOpenFiles carries the run profile's open-files limit to a plugin,
// which applies it to itself before serving. The host also applies it
// from outside with prlimit where it may; this covers plugins running as
// another user, where root without CAP_SYS_RESOURCE may not.
const EnvMaxOpenFiles = "ROUNDHOUSE_MAX_OPEN_FILES"

// applyRlimits lowers this process's limits as the host asked. Lowering
// needs no privilege; both soft and hard are set so that neither Go's
// runtime nor a child can raise the soft limit again.
func applyRlimits() {
	if n, err := strconv.ParseUint(os.Getenv(EnvMaxOpenFiles), 10, 64); err == nil && n > 0 {
		_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: n, Max: n})
	}
}
