package main

import (
	"fmt"
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/bench/enginesim"
)

// report collects the figures of one run.
type report struct {
	o                      options
	pairTotal              time.Duration
	pairP50, pairP99       time.Duration
	establish              time.Duration
	established            bool
	connRate               float64
	rssIdle, rssSteady     uint64
	goroutinesIdle         int
	stats                  serverStats
	cpuPercent, beatsPerS  float64
	reconnect              time.Duration
	reconnected            bool
	downWritesAfterRestart int
	beatWrites, beatRecs   uint64 // heartbeat records written in the steady window
	loadStart, loadEnd     string
}

func (r *report) measureSteady(pid int, c *child, s *enginesim.Sim) {
	if r.o.cpuProfile != "" {
		_ = syscall.Kill(pid, syscall.SIGHUP) // the child profiles for one window
	}
	t0, _ := benchkit.ProcessCPU(pid)
	a0, start, st0 := s.Acks(), time.Now(), c.stats()
	time.Sleep(r.o.window)
	el := time.Since(start).Seconds()
	t1, _ := benchkit.ProcessCPU(pid)
	r.cpuPercent = benchkit.CPUPercent(t0, t1, time.Duration(el*float64(time.Second)))
	r.beatsPerS = float64(s.Acks()-a0) / el
	r.rssSteady = benchkit.RSSBytes(pid)
	r.stats = c.stats()
	r.beatWrites, r.beatRecs = r.stats.BeatWrites-st0.BeatWrites, r.stats.BeatRecords-st0.BeatRecords
}

// measureRestart restarts the link (SIGUSR1 to the child) and times until
// every engine has a session again; availability writes made meanwhile
// would be engines marked NOT_AVAILABLE.
func (r *report) measureRestart(pid int, c *child, s *enginesim.Sim, all func() bool) {
	writes := c.stats().Writes
	_ = syscall.Kill(pid, syscall.SIGUSR1)
	_, _ = waitUntil(10*time.Second, func() bool { return !all() })
	r.reconnect, r.reconnected = waitUntil(3*time.Minute, all)
	time.Sleep(1500 * time.Millisecond)
	r.downWritesAfterRestart = c.stats().Writes - writes
}

func (r *report) print() {
	n := float64(r.o.engines)
	perK := func(v float64) float64 { return v / n * 1000 }
	kex := ""
	if r.o.classical {
		kex = ", X25519-only key exchange"
	}
	if r.o.serverProcs > 0 {
		kex += fmt.Sprintf(", server GOMAXPROCS=%d", r.o.serverProcs)
	}
	shape := "hello and heartbeats only"
	switch {
	case r.o.work && r.o.separateReports:
		shape = "agent-shaped, deployment report on its own 30 s timer (agents before this change)"
	case r.o.work:
		shape = "agent-shaped (work opened, deployment report with the first heartbeat 30 s after the last)"
	}
	fmt.Printf("## Agent link (enginelink): %d engines, heartbeat %s, %d client sockets%s, sessions %s\n\n", r.o.engines, r.o.interval, r.o.transports, kex, shape)
	fmt.Println("| measure | value |")
	fmt.Println("|---|---|")
	fmt.Printf("| host load (1-min average) at start / end | %s / %s |\n", r.loadStart, r.loadEnd)
	fmt.Printf("| pairing latency p50 / p99 (%d in flight) | %s / %s |\n", r.o.pairConcurrency, r.pairP50.Round(time.Microsecond*100), r.pairP99.Round(time.Microsecond*100))
	fmt.Printf("| pairing rate | %.0f engines/s |\n", n/r.pairTotal.Seconds())
	fmt.Printf("| all sessions established | %s (%.0f conn/s)%s |\n", r.establish.Round(time.Millisecond), r.connRate, failed(r.established))
	fmt.Printf("| sessions held by the server | %d |\n", r.stats.Sessions)
	fmt.Printf("| heartbeats acknowledged per second | %.1f |\n", r.beatsPerS)
	fmt.Printf("| heartbeat records written in the steady window (summary interval %s): commands / engine records | %d / %d |\n", r.o.summaryInterval, r.beatWrites, r.beatRecs)
	fmt.Printf("| server CPU, steady (%% of one core; per 1,000 engines) | %.2f %% (%.2f %%) |\n", r.cpuPercent, perK(r.cpuPercent))
	fmt.Printf("| server RSS, idle → steady | %.1f → %.1f MiB |\n", mib(r.rssIdle), mib(r.rssSteady))
	fmt.Printf("| server RSS per 1,000 engines (per engine) | %.1f MiB (%.1f KiB) |\n",
		perK(mib(r.rssSteady-r.rssIdle)), float64(r.rssSteady-r.rssIdle)/n/1024)
	fmt.Printf("| server heap per engine: in use / live at last GC | %.1f / %.1f KiB |\n",
		float64(r.stats.HeapInuse)/n/1024, float64(r.stats.HeapLive)/n/1024)
	fmt.Printf("| server goroutines per session (stacks per engine) | %.2f (%.1f KiB) |\n",
		float64(r.stats.Goroutines-r.goroutinesIdle)/n, float64(r.stats.Stacks)/n/1024)
	if r.o.restart {
		fmt.Printf("| every engine reconnected after a link restart | %s%s |\n", r.reconnect.Round(time.Millisecond), failed(r.reconnected))
		fmt.Printf("| availability writes during the restart (engines marked down) | %d |\n", r.downWritesAfterRestart)
	}
	fmt.Println()
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func failed(ok bool) string {
	if ok {
		return ""
	}
	return " (NOT all)"
}
