package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Targets of issue 2 on the 2-core machine.
const (
	targetWritesPerSec = 5000
	targetP99          = 50 * time.Millisecond
	targetFailoverMed  = 1500 * time.Millisecond
	targetFailoverMax  = 2500 * time.Millisecond
	targetIdleRSS      = 40 << 20
)

// Nomad v2.0.5 measured on this machine (first write after a leader kill,
// server RSS, job PUTs per second).
const (
	nomadFirstWriteMedian = 3451 * time.Millisecond // all 10 rounds
	nomadFirstWriteMax    = 3894 * time.Millisecond
	nomadNewLeaderMedian  = 3517 * time.Millisecond
	nomadServerRSS        = 81976 << 10 // 3-server cluster, ~7 s after start (min of 81,976-86,352 kB)
	nomadSingleRSS        = 90360 << 10 // non-dev single node
	nomadPutsPerSec       = 200 / 0.40  // 200 job PUTs in 0.40 s, 8 workers, non-dev single node
)

type writeRow struct {
	nodes  int
	target string
	res    loadResult
}

type memRow struct {
	what string
	memStatus
	err error
}

// report collects the figures and prints them as one markdown section.
type report struct {
	opts      options
	loadStart string // host 1-minute load average when the program started
	loadEnd   string
	writes    []writeRow
	memory    []memRow
	failover  []failoverRun
	apply     []applyRun
}

func (r *report) addWrites(nodes int, target string, res loadResult) {
	r.writes = append(r.writes, writeRow{nodes, target, res})
}

func (r *report) addMemory(what string, n *node) {
	m, err := vmRSS(n.pid())
	r.memory = append(r.memory, memRow{what, m, err})
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Nanoseconds())/1000) }
func mib(b int64) string        { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func (r *report) print(w io.Writer) {
	fmt.Fprintln(w, "## Control plane core (bench/controlplane)")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Real `roundhouse server` processes on loopback, raft on disk (raft-boltdb, fsync), default flags. "+
		"A write is `POST /orchestration/environments` (environment + its Shared workspace + audit entry, one raft command), "+
		"closed-loop clients with keep-alive, %s warm-up then %s measured per row. "+
		"Host 1-minute load average: %s at the start of this program, %s at the end (the host has %d cores; above that, other work competed for CPU).\n",
		r.opts.warmup, r.opts.measure, r.loadStart, r.loadEnd, runtime.NumCPU())
	r.printTargets(w)
	r.printNomad(w)
	r.printWrites(w)
	r.printApply(w)
	r.printFailover(w)
	r.printMemory(w)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**MISSED**"
}

// best3 is the 3-node row with the most acknowledged writes per second
// among those with more than one client.
func (r *report) best3() (writeRow, bool) {
	var best writeRow
	found := false
	for _, row := range r.writes {
		if row.nodes == 3 && row.res.clients > 1 && (!found || row.res.perSecond() > best.res.perSecond()) {
			best, found = row, true
		}
	}
	return best, found
}

func (r *report) printTargets(w io.Writer) {
	fmt.Fprintln(w, "\n### Against the targets of issue 2")
	fmt.Fprintln(w, "\n| measure | target | measured | |\n|---|---|---|---|")
	if best, ok := r.best3(); ok {
		fmt.Fprintf(w, "| acknowledged API writes/s, 3 nodes, concurrent clients (best row: %d clients, %s) | ≥ %d | %.0f | %s |\n",
			best.res.clients, best.target, targetWritesPerSec, best.res.perSecond(), verdict(best.res.perSecond() >= targetWritesPerSec))
		p99 := best.res.quantile(0.99)
		fmt.Fprintf(w, "| p99 write latency at that row | < %s | %s | %s |\n", ms(targetP99), ms(p99), verdict(p99 < targetP99))
		defer r.printCeiling(w, best)
	}
	if len(r.failover) > 0 {
		med, mx := failoverStats(r.failover, func(f failoverRun) time.Duration { return f.firstWrite })
		fmt.Fprintf(w, "| leader kill -9 → first accepted write, median of %d | < %s | %s | %s |\n", len(r.failover), ms(targetFailoverMed), ms(med), verdict(med < targetFailoverMed))
		fmt.Fprintf(w, "| same, max | < %s | %s | %s |\n", ms(targetFailoverMax), ms(mx), verdict(mx < targetFailoverMax))
	}
	if m, ok := r.idleSingle(); ok {
		fmt.Fprintf(w, "| idle RSS of a node (%s) | < %s | %s | %s |\n", m.what, mib(targetIdleRSS), mib(m.rss), verdict(m.rss < targetIdleRSS))
	}
}

// printCeiling says what the CPU cost per write allows on this host: the
// three replicas and the load generator share its cores.
func (r *report) printCeiling(w io.Writer, best writeRow) {
	perWrite := best.res.cpuPerWrite() + best.res.clientCPU/time.Duration(max(best.res.acked, 1))
	if perWrite <= 0 {
		return
	}
	ceiling := float64(runtime.NumCPU()) / perWrite.Seconds()
	fmt.Fprintf(w, "\nAt that row the 3 server processes used %s of CPU per acknowledged write together (the load generator %s more): "+
		"with all %d cores of this host busy and nothing else running, that caps the cluster at about %.0f writes/s. "+
		"The write target needs the CPU cost per write to fall, or more cores.\n",
		us(best.res.cpuPerWrite()), us(best.res.clientCPU/time.Duration(max(best.res.acked, 1))), runtime.NumCPU(), ceiling)
}

func (r *report) idleSingle() (memRow, bool) {
	for _, m := range r.memory {
		if strings.HasPrefix(m.what, "1 node, idle") && m.err == nil {
			return m, true
		}
	}
	return memRow{}, false
}

func (r *report) printNomad(w io.Writer) {
	fmt.Fprintln(w, "\n### Side by side with Nomad v2.0.5 on this machine")
	fmt.Fprintln(w, "\n| measure | Nomad | Roundhouse | ratio |\n|---|---|---|---|")
	if len(r.failover) > 0 {
		med, mx := failoverStats(r.failover, func(f failoverRun) time.Duration { return f.firstWrite })
		lmed, _ := failoverStats(r.failover, func(f failoverRun) time.Duration { return f.newLeader })
		fmt.Fprintf(w, "| leader kill -9 → first accepted write, median | %s | %s | %.1f× faster |\n", ms(nomadFirstWriteMedian), ms(med), ratio(nomadFirstWriteMedian, med))
		fmt.Fprintf(w, "| same, max | %s | %s | %.1f× faster |\n", ms(nomadFirstWriteMax), ms(mx), ratio(nomadFirstWriteMax, mx))
		fmt.Fprintf(w, "| leader kill -9 → new leader seen, median | %s | %s | %.1f× faster |\n", ms(nomadNewLeaderMedian), ms(lmed), ratio(nomadNewLeaderMedian, lmed))
	}
	if m, ok := r.idleSingle(); ok {
		fmt.Fprintf(w, "| idle RSS, single node with raft on disk | %s | %s | %.1f× smaller |\n", mib(nomadSingleRSS), mib(m.rss), float64(nomadSingleRSS)/float64(m.rss))
	}
	for _, m := range r.memory {
		if strings.HasPrefix(m.what, "3-node member") && strings.Contains(m.what, "after forming") && m.err == nil {
			fmt.Fprintf(w, "| RSS of a 3-node cluster server ~7 s after start (%s) | %s (least of 3) | %s | %.1f× smaller |\n",
				m.what[len("3-node member "):strings.Index(m.what, ")")+1], mib(nomadServerRSS), mib(m.rss), float64(nomadServerRSS)/float64(m.rss))
			break
		}
	}
	for _, row := range r.writes {
		if row.nodes == 1 && row.res.clients >= 8 {
			fmt.Fprintf(w, "| acknowledged API writes/s, 1 node (Nomad: 200 job PUTs, 8 workers; Roundhouse: %d clients) | %.0f | %.0f | %.1f× |\n",
				row.res.clients, nomadPutsPerSec, row.res.perSecond(), row.res.perSecond()/nomadPutsPerSec)
			break
		}
	}
	fmt.Fprintln(w, "\nNomad's write is a job registration (it also creates an evaluation), ours an environment with its workspace; "+
		"both are one replicated, fsynced write per request. Nomad's failover ran with its default 1 s raft timeouts, ours with our defaults (500 ms).")
}

func ratio(nomad, ours time.Duration) float64 {
	if ours <= 0 {
		return 0
	}
	return float64(nomad) / float64(ours)
}

func (r *report) printWrites(w io.Writer) {
	if len(r.writes) == 0 {
		return
	}
	fmt.Fprintln(w, "\n### API write throughput and latency (real processes)")
	fmt.Fprintln(w, "\nCPU columns: CPU time (user+system, /proc/PID/stat) used during the measured window per acknowledged write, "+
		"summed over the server processes, and the load generator's own; the host has "+fmt.Sprint(runtime.NumCPU())+" cores for both.")
	if r.opts.rate > 0 {
		fmt.Fprintf(w, "\nOpen loop: the clients together offered at most %d writes/s (-rate); the rates below are not the cluster's capacity.\n", r.opts.rate)
	}
	fmt.Fprintln(w, "\n| nodes | writes sent to | clients | acked writes/s | p50 | p99 | max | server CPU per write | client CPU per write | failed |\n|---|---|---|---|---|---|---|---|---|---|")
	for _, row := range r.writes {
		res := row.res
		failed := fmt.Sprint(res.failed)
		if res.firstErr != nil {
			failed += " (" + oneLine(res.firstErr.Error(), 80) + ")"
		}
		var clientCPU time.Duration
		if res.acked > 0 {
			clientCPU = res.clientCPU / time.Duration(res.acked)
		}
		fmt.Fprintf(w, "| %d | %s | %d | %.0f | %s | %s | %s | %s | %s | %s |\n", row.nodes, row.target, res.clients, res.perSecond(),
			ms(res.quantile(0.5)), ms(res.quantile(0.99)), ms(res.quantile(1)), us(res.cpuPerWrite()), us(clientCPU), failed)
	}
}

func (r *report) printApply(w io.Writer) {
	if len(r.apply) == 0 {
		return
	}
	fmt.Fprintln(w, "\n### Raw raft + FSM apply (cluster.Node in-process, one-table spec, no HTTP)")
	fmt.Fprintln(w, "\nEach command goes through `Node.Apply` on the leader (JSON command encoding, raft log on boltdb with fsync, "+
		"replication over TCP on loopback, go-memdb FSM). Concurrent Applies are batched by raft (`BatchApplyCh`).")
	fmt.Fprintln(w, "\n| nodes | concurrent Apply | commands | applies/s | p50 | p99 | CPU per apply (all replicas) |\n|---|---|---|---|---|---|---|")
	for _, a := range r.apply {
		res := loadResult{lat: a.lat}
		fmt.Fprintf(w, "| %d | %d | %d | %.0f | %s | %s | %s |\n", a.nodes, a.concurrency, a.ops, a.perSecond(), ms(res.quantile(0.5)), ms(res.quantile(0.99)), us(a.cpuPerApply()))
	}
}

func (r *report) printFailover(w io.Writer) {
	if len(r.failover) == 0 {
		return
	}
	fmt.Fprintln(w, "\n### Leader kill -9 → new leader and first accepted write (3 real nodes, no load)")
	fmt.Fprintln(w, "\nAs the Nomad rounds: kill -9 the leader; two writers retry `POST` on the survivors every 20 ms; a watcher polls "+
		"`/health` on the survivors every 10 ms. The killed node then restarts from its data dir and must accept a write before the next round.")
	fmt.Fprintln(w, "\n| | min | median | max | all rounds |\n|---|---|---|---|---|")
	for _, m := range []struct {
		name string
		pick func(failoverRun) time.Duration
	}{{"new leader seen", func(f failoverRun) time.Duration { return f.newLeader }},
		{"first write accepted", func(f failoverRun) time.Duration { return f.firstWrite }}} {
		var all []string
		var ds []time.Duration
		for _, f := range r.failover {
			all = append(all, fmt.Sprintf("%.0f", float64(m.pick(f).Microseconds())/1000))
			ds = append(ds, m.pick(f))
		}
		slices.Sort(ds)
		med, mx := failoverStats(r.failover, m.pick)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s ms |\n", m.name, ms(ds[0]), ms(med), ms(mx), strings.Join(all, ", "))
	}
}

func failoverStats(runs []failoverRun, pick func(failoverRun) time.Duration) (median, maximum time.Duration) {
	var ds []time.Duration
	for _, f := range runs {
		ds = append(ds, pick(f))
	}
	slices.Sort(ds)
	n := len(ds)
	median = ds[n/2]
	if n%2 == 0 {
		median = (ds[n/2-1] + ds[n/2]) / 2
	}
	return median, ds[n-1]
}

func (r *report) printMemory(w io.Writer) {
	if len(r.memory) == 0 {
		return
	}
	fmt.Fprintln(w, "\n### Resident memory of a node (/proc/PID/status)")
	fmt.Fprintln(w, "\nRssAnon is the Go heap and stacks; RssFile the mapped files (the binary, boltdb's memory-mapped raft log).")
	fmt.Fprintln(w, "\n| node | VmRSS | RssAnon | RssFile | VmHWM |\n|---|---|---|---|---|")
	for _, m := range r.memory {
		if m.err != nil {
			fmt.Fprintf(w, "| %s | error: %v | | | |\n", m.what, m.err)
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", m.what, mib(m.rss), mib(m.anon), mib(m.file), mib(m.hwm))
	}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
