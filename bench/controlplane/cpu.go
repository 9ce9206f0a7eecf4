package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTick = 100

// processCPU returns the user+system CPU time a process used so far.
func processCPU(pid int) (time.Duration, error) {
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

// selfCPU is this benchmark process's CPU time (the load generator's cost).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSample is the CPU used so far by the server processes and by us.
type cpuSample struct {
	servers time.Duration
	self    time.Duration
}

func sampleCPU(pids []int) cpuSample {
	s := cpuSample{self: selfCPU()}
	for _, pid := range pids {
		if d, err := processCPU(pid); err == nil {
			s.servers += d
		}
	}
	return s
}
