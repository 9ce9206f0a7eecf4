//go:build !linux

package runtime

import (
	"errors"
	"runtime"
)

// applyRlimits cannot set another process's open-files limit outside
// Linux (there is no prlimit). On macOS the plugin applies the limit to
// itself before serving (sdk reads ROUNDHOUSE_MAX_OPEN_FILES); a warm
// plugin, already serving, is therefore unfit for a job with a limit and
// a fresh plugin is started. On Windows platformLimits has refused the
// limit before any plugin starts.
func applyRlimits(_ int, l Limits) error {
	if l.MaxOpenFiles <= 0 {
		return nil
	}
	return errors.New("open-files limits are set by the plugin itself on " + runtime.GOOS)
}
