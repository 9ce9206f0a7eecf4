package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTick = 100

// cpuSample is CPU time used so far by this process (the control plane
// and the bench client) and by the agent's process tree (agent, plugins,
// jobs: the live ones' own time plus what they reaped from their
// children).
type cpuSample struct{ self, engine time.Duration }

func sampleCPU(agentPID int) cpuSample {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpuSample{self: self, engine: treeCPU(agentPID)}
}

func (s cpuSample) sub(o cpuSample) cpuSample {
	return cpuSample{self: s.self - o.self, engine: s.engine - o.engine}
}

// treeCPU sums utime+stime+cutime+cstime over pid and its descendants.
func treeCPU(pid int) time.Duration {
	type proc struct {
		ppid  int
		ticks int64
	}
	procs := map[int]proc{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
		if len(f) < 15 {
			continue
		}
		p, _ := strconv.Atoi(filepath.Base(d))
		ppid, _ := strconv.Atoi(f[1])
		var t int64
		for _, k := range []int{11, 12, 13, 14} { // utime stime cutime cstime
			v, _ := strconv.ParseInt(f[k], 10, 64)
			t += v
		}
		procs[p] = proc{ppid: ppid, ticks: t}
	}
	in := map[int]bool{pid: true}
	for changed := true; changed; {
		changed = false
		for p, pr := range procs {
			if !in[p] && in[pr.ppid] {
				in[p], changed = true, true
			}
		}
	}
	var ticks int64
	for p := range in {
		ticks += procs[p].ticks
	}
	return time.Duration(ticks) * time.Second / clockTick
}
