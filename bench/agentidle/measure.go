package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
)

// memory is one reading of a process's memory (/proc/PID/status).
type memory struct {
	rss, anon, file, hwm uint64
	threads              uint64
}

func readMemory(pid int) memory {
	return memory{
		rss:     benchkit.StatusField(pid, "VmRSS:") << 10,
		anon:    benchkit.StatusField(pid, "RssAnon:") << 10,
		file:    benchkit.StatusField(pid, "RssFile:") << 10,
		hwm:     benchkit.StatusField(pid, "VmHWM:") << 10,
		threads: benchkit.StatusField(pid, "Threads:"),
	}
}

// window is what one idle window measured of the agent.
type window struct {
	length         time.Duration
	end            memory
	minRSS, maxRSS uint64
	cpuPercent     float64
	pss            uint64 // the agent's proportional share (smaps_rollup)
	// descendants are the processes below the agent at the end (plugins,
	// the jobs they run), with their RSS; not counted in end.
	descendants []descendant
}

// measureWindow samples the agent once a second for d and returns its
// memory at the end, its RSS range, and its CPU share over the window.
func measureWindow(ctx context.Context, pid int, d time.Duration) (window, error) {
	w := window{length: d, minRSS: ^uint64(0)}
	cpu0, err := benchkit.ProcessCPU(pid)
	if err != nil {
		return w, err
	}
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for time.Since(start) < d {
		select {
		case <-ctx.Done():
			return w, ctx.Err()
		case <-tick.C:
		}
		rss := benchkit.RSSBytes(pid)
		if rss == 0 {
			return w, fmt.Errorf("agent (pid %d) exited during the window", pid)
		}
		w.minRSS, w.maxRSS = min(w.minRSS, rss), max(w.maxRSS, rss)
	}
	cpu1, err := benchkit.ProcessCPU(pid)
	if err != nil {
		return w, err
	}
	w.cpuPercent = benchkit.CPUPercent(cpu0, cpu1, time.Since(start))
	w.end = readMemory(pid)
	if w.maxRSS == 0 { // a window shorter than one sample
		w.minRSS, w.maxRSS = w.end.rss, w.end.rss
	}
	w.pss = readRollup(pid)["Pss"]
	for _, d := range descendants(pid) {
		d.rss, d.pss = benchkit.RSSBytes(d.pid), readRollup(d.pid)["Pss"]
		w.descendants = append(w.descendants, d)
	}
	return w, nil
}

// rollup is /proc/PID/smaps_rollup: where the resident pages are.
type rollup map[string]uint64

func readRollup(pid int) rollup {
	r := rollup{}
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return r
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err == nil {
			r[k] = kb << 10
		}
	}
	return r
}

// gcTrace is what the agent's GODEBUG=gctrace=1 lines say: the runtime's
// own account of its heap (whole MB: gctrace rounds).
type gcTrace struct {
	count          int     // GCs so far
	at             float64 // seconds since the agent started, of the last one
	liveMB, goalMB int     // heap live after the last GC, and its goal
}

var gcLine = regexp.MustCompile(`(?m)^gc (\d+) @([\d.]+)s .*->(\d+) MB, (\d+) MB goal`)

// lastGC returns the last GC line of the agent's log; false when none ran.
func lastGC(logPath string) (gcTrace, bool) {
	raw, err := os.ReadFile(logPath)
	if err != nil {
		return gcTrace{}, false
	}
	m := gcLine.FindAllStringSubmatch(string(raw), -1)
	if len(m) == 0 {
		return gcTrace{}, false
	}
	last := m[len(m)-1]
	var g gcTrace
	g.count, _ = strconv.Atoi(last[1])
	g.at, _ = strconv.ParseFloat(last[2], 64)
	g.liveMB, _ = strconv.Atoi(last[3])
	g.goalMB, _ = strconv.Atoi(last[4])
	return g, true
}

// settle waits until the agent has run a GC after this call, at most max:
// before its heap first grows to the GC goal, an idle agent's RSS is
// still climbing (at 1 s heartbeats it took ~50 s here), and a window
// measured then understates it. It returns how long it waited and
// whether a GC came.
func settle(ctx context.Context, agent *proc, max time.Duration) (time.Duration, bool) {
	before, _ := lastGC(agent.logPath)
	start := time.Now()
	err := benchkit.WaitUntil(ctx, "the agent's first GC", max, func() bool {
		g, ok := lastGC(agent.logPath)
		return !agent.alive() || ok && g.count > before.count
	})
	return time.Since(start), err == nil
}

// goroutineCount makes the agent dump its goroutines and exit (SIGQUIT
// with GOTRACEBACK=all; it exposes no debug endpoint) and counts them in
// its log. The agent is gone afterwards: call it last.
func goroutineCount(ps *procs, a *proc) (int, error) {
	ps.remember(descendants(a.pid())) // the dump ends the agent abruptly: its plugins stay
	if err := a.signalAndWait(syscall.SIGQUIT, 10*time.Second); err != nil {
		return 0, err
	}
	raw, err := os.ReadFile(a.logPath)
	if err != nil {
		return 0, err
	}
	n := len(goroutineHeader.FindAll(raw, -1))
	if n == 0 {
		return 0, fmt.Errorf("no goroutine dump in the agent's log")
	}
	return n, nil
}

// goroutineHeader opens each goroutine of a dump ("goroutine 7 gp=0x...
// m=nil [select]:"); goroutine 0 is the signal handler's stack, not one.
var goroutineHeader = regexp.MustCompile(`(?m)^goroutine [1-9]\d* `)
