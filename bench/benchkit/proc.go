package benchkit

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTick = 100

// ProcessCPU returns the user+system CPU time a process used so far.
func ProcessCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read stat of pid %d: %w", pid, err)
	}
	// The command name may hold spaces; fields count from after its ")".
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("stat of pid %d: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("stat of pid %d: bad times", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTick, nil
}

// CPUPercent is the share of one core a process used between two
// ProcessCPU readings taken elapsed apart.
func CPUPercent(before, after, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(after-before) / float64(elapsed) * 100
}

// RSSBytes is VmRSS of pid (0 when it cannot be read).
func RSSBytes(pid int) uint64 { return statusKiB(pid, "VmRSS:") << 10 }

// RSSAnonBytes is RssAnon of pid: resident memory not backed by a file
// (mapped files such as bolt stores excluded); 0 when it cannot be read.
func RSSAnonBytes(pid int) uint64 { return statusKiB(pid, "RssAnon:") << 10 }

// StatusField is the number on one line of /proc/PID/status ("VmHWM:",
// "RssFile:", "Threads:"...): kB for memory fields, a count otherwise; 0
// when it cannot be read.
func StatusField(pid int, field string) uint64 { return statusKiB(pid, field) }

// statusKiB reads one "Field: N kB" line of /proc/PID/status.
func statusKiB(pid int, field string) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// LoadAverage is the host's 1-minute load: other work on a shared host
// makes every figure slower.
func LoadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(raw))[0]
}
