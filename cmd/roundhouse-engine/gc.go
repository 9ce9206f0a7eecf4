package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

// defaultAgentGCPercent halves Go's default heap headroom: the agent's live
// heap is about 1 MB, so the minimum heap goal (4 MB at GOGC=100) is most
// of its anonymous memory, and a GC of so small a heap costs next to
// nothing. Measured by bench/agentidle: ~1.1 MiB less RSS at idle.
const defaultAgentGCPercent = 50

// tuneAgentGC applies --gc-percent to this process. An explicit GOGC
// environment variable wins over the default, as for the server.
func tuneAgentGC(percent int) error {
	switch {
	case percent > 0:
		debug.SetGCPercent(percent)
	case percent == 0 && os.Getenv("GOGC") == "":
		debug.SetGCPercent(defaultAgentGCPercent)
	case percent < -1:
		return fmt.Errorf("--gc-percent %d: want -1 (leave the runtime alone), 0 (default, %d) or a positive percentage", percent, defaultAgentGCPercent)
	}
	return nil
}
