package main

import (
	"fmt"
	"runtime"
	"time"
)

// report collects the figures of one run.
type report struct {
	o                options
	load             string
	idle             []nodeSample
	create, pair     time.Duration
	pairP50, pairP99 time.Duration
	establish        time.Duration
	steady           steady
	failover         *failoverResult
}

func (r *report) print() {
	o := r.o
	fmt.Printf("## Engine scale: %d simulated engines on a %d-node cluster, heartbeat %s (timeout %s)\n\n",
		o.engines, o.nodes, o.interval, o.timeout)
	work := "without"
	if o.work {
		work = "each holding a work stream open, as agents do, but"
	}
	fmt.Printf("Separate `roundhouse server` processes on loopback, real raft; engines are bench/enginesim sessions over %d shared UDP sockets, %s "+
		"with no work assigned; %d CPUs, load average %s at start (the host may be shared).\n\n", o.transports, work, runtime.NumCPU(), r.load)
	n := float64(o.engines)
	fmt.Println("| measure | value |")
	fmt.Println("|---|---|")
	fmt.Printf("| engines created through the API | %s (%.0f/s) |\n", r.create.Round(time.Millisecond), n/r.create.Seconds())
	fmt.Printf("| pairing p50 / p99 (%d in flight), rate | %s / %s, %.0f engines/s |\n", o.pairConcurrency,
		r.pairP50.Round(100*time.Microsecond), r.pairP99.Round(100*time.Microsecond), n/r.pair.Seconds())
	fmt.Printf("| every session established | %s (%.0f sessions/s) |\n", r.establish.Round(time.Millisecond), n/r.establish.Seconds())
	var held int64
	for _, s := range r.steady.nodes {
		held += s.sessions
	}
	fmt.Printf("| sessions held at the end of the steady window | %d of %d |\n", held, o.engines)
	fmt.Printf("| heartbeats acknowledged per second | %.1f |\n", r.steady.beatsPerS)
	fmt.Println()
	r.printNodes()
	if f := r.failover; f != nil {
		r.printFailover(f)
	}
}

func (r *report) printNodes() {
	fmt.Printf("Per node, steady state over %s:\n\n", r.steady.elapsed.Round(time.Second))
	fmt.Println("| node | sessions | CPU (% of one core) | RSS idle → steady | RSS per session | heap in use / stacks per session | goroutines per session |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for i, s := range r.steady.nodes {
		idle := r.idle[i]
		per := func(v float64) float64 { return v / float64(max(s.sessions, 1)) / 1024 }
		fmt.Printf("| %s | %d | %.2f %% | %.1f → %.1f MiB | %.1f KiB | %.1f / %.1f KiB | %.2f |\n", s.id, s.sessions, s.cpuPercent,
			mib(idle.rss), mib(s.rss), per(float64(s.rss)-float64(idle.rss)),
			per(s.heapInuse-idle.heapInuse), per(s.stacks-idle.stacks), (s.goroutines-idle.goroutines)/float64(max(s.sessions, 1)))
	}
	fmt.Println()
	fmt.Println("RSS per session includes the node's replica of every engine's record, which all nodes hold whether or not they serve the engine.")
	fmt.Println()
}

func (r *report) printFailover(f *failoverResult) {
	fmt.Printf("Leader %s killed with -9 while holding %d sessions:\n\n", f.killed, f.sessionsOnKilled)
	fmt.Println("| measure | value |")
	fmt.Println("|---|---|")
	fmt.Printf("| a survivor names a new leader | %s |\n", f.newLeader.Round(time.Millisecond))
	fmt.Printf("| first write acknowledged by the new cluster | %s |\n", f.firstWrite.Round(time.Millisecond))
	fmt.Printf("| every engine of the killed node has a session on a survivor | %s%s |\n", f.reconnect.Round(time.Millisecond), notAll(f.reconnected))
	fmt.Printf("| engines NOT_AVAILABLE before the kill | %d |\n", f.downBefore)
	fmt.Printf("| most engines newly seen NOT_AVAILABLE at once, polled every 2 s for %s from the kill (target 0) | %d |\n", f.watched.Round(time.Second), f.falseDown)
	fmt.Printf("| heartbeats left unanswered (each engine then failed over) | %d |\n", f.unanswered)
	fmt.Println()
	fmt.Printf("A node killed with -9 sends no close: its engines notice at their next heartbeat (within one interval, %s) plus the ack timeout (%s), then fail over.\n\n",
		r.o.interval, min(r.o.interval, 10*time.Second))
}

func notAll(ok bool) string {
	if ok {
		return ""
	}
	return " (NOT all)"
}
