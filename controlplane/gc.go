package controlplane

import (
	"os"
	"runtime/debug"
)

// tuneGC applies GCPercent and MemoryLimit to this process's runtime.
// An explicit GOGC environment variable wins over the default percentage,
// so operators keep the usual Go way of tuning.
func tuneGC(c Config) {
	switch {
	case c.GCPercent > 0:
		debug.SetGCPercent(c.GCPercent)
	case c.GCPercent == 0 && os.Getenv("GOGC") == "":
		debug.SetGCPercent(DefaultGCPercent)
	}
	if c.MemoryLimit > 0 {
		debug.SetMemoryLimit(c.MemoryLimit)
	}
}
