package main

import (
	"context"
	"os"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/bench/enginesim"
)

// nodeSample is one node's figures at one moment (or over a window).
type nodeSample struct {
	id         string
	rss        uint64
	goroutines float64
	heapInuse  float64
	stacks     float64
	sessions   int64
	cpuPercent float64 // over the window, % of one core
}

// sample reads every live node's RSS and runtime gauges.
func (c *cluster) sample(ctx context.Context) []nodeSample {
	out := make([]nodeSample, len(c.nodes))
	for i, n := range c.nodes {
		out[i].id = n.ID
		if !n.alive() {
			continue
		}
		m := c.metrics(ctx, n)
		out[i].rss = benchkit.RSSBytes(n.pid())
		out[i].goroutines, out[i].heapInuse, out[i].stacks = m["go_goroutines"], m["go_memstats_heap_inuse_bytes"], m["go_memstats_stack_inuse_bytes"]
	}
	return out
}

// steady is the steady-state window: per node, and the heartbeat rate.
type steady struct {
	nodes     []nodeSample
	beatsPerS float64
	elapsed   time.Duration
	simCPU    float64 // the simulator's own CPU, % of one core (it shares the host)
	load      string  // load average at the end of the window
	opened    int64   // sessions established during the window (churn: 0 when every session holds)
	failed    int64   // heartbeats unanswered during the window
	stepDowns int     // raft leader step-downs from the start to the window's end
	udpDrops  int64   // UDP datagrams the host dropped for full receive buffers during the window
	down      int     // engines NOT_AVAILABLE in the leader's replica at the window's end (-1: unknown)
}

// measure samples CPU over window, then memory and sessions per node.
func (c *cluster) measure(ctx context.Context, s *enginesim.Sim, window time.Duration) steady {
	ticks := make([]time.Duration, len(c.nodes))
	for i, n := range c.nodes {
		ticks[i], _ = benchkit.ProcessCPU(n.pid())
	}
	sim0, _ := benchkit.ProcessCPU(os.Getpid())
	d0 := udpDrops()
	a0, o0, f0, start := s.Acks(), s.Sessions(), s.Failed(), time.Now()
	time.Sleep(window)
	el := time.Since(start)
	st := steady{nodes: c.sample(ctx), beatsPerS: float64(s.Acks()-a0) / el.Seconds(), elapsed: el,
		opened: s.Sessions() - o0, failed: s.Failed() - f0, load: benchkit.LoadAverage()}
	sim1, _ := benchkit.ProcessCPU(os.Getpid())
	st.simCPU = benchkit.CPUPercent(sim0, sim1, el)
	st.stepDowns = c.stepDowns()
	st.udpDrops = udpDrops() - d0
	st.down = -1
	if l := c.currentLeader(ctx); l != nil {
		st.down = c.notAvailable(ctx, l)
	}
	for i, n := range c.nodes {
		now, _ := benchkit.ProcessCPU(n.pid())
		st.nodes[i].cpuPercent = benchkit.CPUPercent(ticks[i], now, el)
		st.nodes[i].sessions = s.ConnectedTo(i)
	}
	return st
}
