package runtime

import "errors"

// platformLimits refuses what a Windows engine cannot enforce: Windows has
// no open-files limit. Memory, CPU and process limits, like on a Linux
// host without cgroups, are not enforced and New logs so.
func platformLimits(l Limits) error {
	if l.MaxOpenFiles > 0 {
		return errors.New("run profile: an open-files limit is not supported on Windows engines")
	}
	return nil
}
