package main

import (
	"fmt"
	"runtime"
	"slices"
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
	fmt.Printf("| engines NOT_AVAILABLE at the end of the steady window (leader's replica; target 0) | %d |\n", r.steady.down)
	fmt.Printf("| heartbeats acknowledged per second | %.1f |\n", r.steady.beatsPerS)
	fmt.Printf("| raft leaders that stepped down for want of a quorum, from the start to the window's end (a starved host) | %d |\n", r.steady.stepDowns)
	fmt.Printf("| UDP datagrams the host dropped for full socket buffers during the window (every process on the host) | %d |\n", r.steady.udpDrops)
	fmt.Printf("| simulator's own CPU during the window (same host) / load average after it | %.1f %% of one core / %s |\n", r.steady.simCPU, r.steady.load)
	fmt.Printf("| sessions opened / heartbeats unanswered during the window (churn; 0 when every session holds) | %d / %d |\n", r.steady.opened, r.steady.failed)
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
	fmt.Printf("The leader killed with -9 in %d round(s); each round waits until every engine of the killed node holds a session on a survivor, "+
		"then restarts the killed node over its data dir and waits until it has caught up. Times from the SIGKILL:\n\n", len(f.rounds))
	fmt.Println("| round | killed (sessions it held) | a survivor names a new leader | first write acknowledged | every engine of the killed node on a survivor | killed node back and caught up |")
	fmt.Println("|---|---|---|---|---|---|")
	var leaders, writes []time.Duration
	for i, k := range f.rounds {
		fmt.Printf("| %d | %s (%d) | %s | %s | %s%s | %s |\n", i+1, k.killed, k.sessionsOnKilled, ms(k.newLeader), ms(k.firstWrite),
			k.reconnect.Round(100*time.Millisecond), notAll(k.reconnected), k.rejoined.Round(100*time.Millisecond))
		leaders, writes = append(leaders, k.newLeader), append(writes, k.firstWrite)
	}
	fmt.Println()
	fmt.Println("| measure | median | max |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| new leader named | %s | %s |\n", ms(median(leaders)), ms(slices.Max(leaders)))
	fmt.Printf("| new leader accepting writes (target: median < 1.5 s, max < 2.5 s) | %s | %s |\n", ms(median(writes)), ms(slices.Max(writes)))
	fmt.Println()
	fmt.Println("| across every round | value |")
	fmt.Println("|---|---|")
	fmt.Printf("| engines NOT_AVAILABLE before the first kill | %d |\n", f.downBefore)
	fmt.Printf("| engines marked NOT_AVAILABLE from the first kill on, by ENGINE_UNAVAILABLE notifications over %s (target 0) | %d |\n", f.watched.Round(time.Second), f.notified)
	fmt.Printf("| most engines newly NOT_AVAILABLE at once in the leader's replica, polled every 2 s (target 0) | %d |\n", f.sampled)
	fmt.Printf("| heartbeats left unanswered (each engine then failed over) | %d |\n", f.unanswered)
	fmt.Println()
	fmt.Printf("The watch ends %s after the last kill: the last leader re-armed every timer to a full timeout (%s) when it won. "+
		"A node killed with -9 sends no close: its engines notice at their next heartbeat (within one interval, %s) plus the ack timeout (%s), then fail over.\n\n",
		r.o.tail, r.o.timeout, r.o.interval, min(r.o.interval, 10*time.Second))
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

// median of ds (the mean of the middle two for an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func notAll(ok bool) string {
	if ok {
		return ""
	}
	return " (NOT all)"
}
