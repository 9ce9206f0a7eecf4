package main

import (
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
)

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
		if d, err := benchkit.ProcessCPU(pid); err == nil {
			s.servers += d
		}
	}
	return s
}
