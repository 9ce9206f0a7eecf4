package sdk

import (
	"fmt"
	"os"
)

// EnvMaxOpenFiles carries the run profile's open-files limit to a plugin.
// Windows has no open-files limit; the host refuses such a profile before
// starting a plugin, and a plugin handed one anyway refuses to run.
const EnvMaxOpenFiles = "ROUNDHOUSE_MAX_OPEN_FILES"

// applyRlimits refuses an open-files limit: Windows cannot enforce one.
func applyRlimits() {
	if v := os.Getenv(EnvMaxOpenFiles); v != "" && v != "0" {
		fmt.Fprintln(os.Stderr, "roundhouse plugin: an open-files limit is not supported on Windows")
		os.Exit(1)
	}
}
