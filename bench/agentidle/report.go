package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
)

// targetRSS is issue 4's target for an idle agent.
const targetRSS = 20 << 20

// report collects the figures of one run.
type report struct {
	o                  options
	binNote, engineBin string
	pairing, ready     time.Duration
	settled            time.Duration
	settledOK          bool
	idle, after        window
	rollup             rollup
	gcIdle, gcAfter    gcTrace
	gcIdleOK           bool
	gcAfterOK          bool
	job                jobRun
	goroutines         int
	goroutinesErr      error
	loadStart, loadEnd string
}

func (r report) print() {
	heartbeat := r.o.interval.String()
	if r.o.interval != time.Minute {
		heartbeat += " (the product default is 1m0s)"
	}
	fmt.Printf("## Agent idle (agentidle): one `roundhouse-engine run` paired to one `roundhouse server` node, heartbeat %s\n\n", heartbeat)
	fmt.Printf("Figures of the agent process alone (its plugin processes apart), from /proc; binaries: %s", r.binNote)
	if len(r.o.agentEnv) > 0 {
		fmt.Printf("; agent environment %s", strings.Join(r.o.agentEnv, " "))
	}
	fmt.Print(".\n\n")
	fmt.Println("| measure | value | target |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| host load (1-min average) at start / end | %s / %s | |\n", r.loadStart, r.loadEnd)
	fmt.Printf("| `roundhouse-engine` binary size | %.1f MiB | |\n", mib(fileSize(r.engineBin)))
	fmt.Printf("| `pair` (start to exit) / `run` started → AVAILABLE | %s / %s | |\n", r.pairing.Round(time.Millisecond), r.ready.Round(time.Millisecond))
	r.printSettle()
	r.printWindow(fmt.Sprintf("idle window %s", r.idle.length), r.idle)
	e := r.idle.end
	fmt.Printf("| peak RSS since start (VmHWM) | %.1f MiB | |\n", mib(e.hwm))
	fmt.Printf("| smaps_rollup at the end: Private_Dirty / Private_Clean / Shared_Clean | %.1f / %.1f / %.1f MiB | |\n",
		mib(r.rollup["Private_Dirty"]), mib(r.rollup["Private_Clean"]), mib(r.rollup["Shared_Clean"]))
	r.printGC(r.gcIdle, r.gcIdleOK, "")
	if r.o.job {
		fmt.Printf("| sample job (examples/hello-job via the CLI): final state, `tasks run` → final | %s, %s | |\n", r.job.status, r.job.took.Round(time.Millisecond))
		r.printWindow(fmt.Sprintf("%s after the job ended", r.after.length), r.after)
		fmt.Printf("| peak RSS since start (VmHWM), after the job | %.1f MiB | |\n", mib(r.after.end.hwm))
		r.printGC(r.gcAfter, r.gcAfterOK, ", after the job")
	} else {
		fmt.Println("| sample job | not run (-job=false) | |")
	}
	switch {
	case !r.o.goroutines:
	case r.goroutinesErr != nil:
		fmt.Printf("| goroutines at the end | unknown: %s | |\n", oneLine(r.goroutinesErr.Error()))
	default:
		fmt.Printf("| goroutines at the end (SIGQUIT dump) | %d | |\n", r.goroutines)
	}
	fmt.Println()
}

// printGC prints the runtime's last gctrace line's figures.
func (r report) printGC(g gcTrace, ok bool, when string) {
	switch {
	case !r.o.gctrace:
	case !ok:
		fmt.Printf("| Go heap (gctrace)%s | no GC ran yet: the heap never reached its first goal (4 MiB at GOGC=100) | |\n", when)
	default:
		fmt.Printf("| Go heap at the last GC (gctrace, whole MB)%s: live / goal; GCs so far, last at | %d / %d MB; %d, %.0f s after start | |\n",
			when, g.liveMB, g.goalMB, g.count, g.at)
	}
}

// printSettle says whether the window started after the heap's first
// cycle, or before it (the figures are then a lower bound).
func (r report) printSettle() {
	switch {
	case !r.o.gctrace || r.o.settleMax == 0:
		fmt.Println("| window started | at AVAILABLE, without waiting for a GC: RSS may still be climbing (a lower bound) | |")
	case r.settledOK:
		fmt.Printf("| window started | after the agent's first GC past AVAILABLE, %s later (its heap had reached the goal once) | |\n", r.settled.Round(time.Second))
	default:
		fmt.Printf("| window started | after %s with no GC yet: RSS may still be climbing (a lower bound) | |\n", r.settled.Round(time.Second))
	}
}

// printWindow prints the rows of one measurement window.
func (r report) printWindow(name string, w window) {
	e := w.end
	fmt.Printf("| **agent RSS (VmRSS), end of %s** | **%.1f MiB** | < 20 MiB: %s |\n", name, mib(e.rss), r.verdict(e.rss))
	fmt.Printf("| of which anonymous (RssAnon) / file-backed (RssFile: the binary's pages) | %.1f / %.1f MiB | |\n", mib(e.anon), mib(e.file))
	fmt.Printf("| RSS over the window (1 s samples) min / max | %.1f / %.1f MiB | |\n", mib(w.minRSS), mib(w.maxRSS))
	fmt.Printf("| agent CPU over the window (%% of one core) / threads | %.2f %% / %d | |\n", w.cpuPercent, e.threads)
	fmt.Printf("| processes below the agent (not counted above): RSS | %s | |\n", describeDescendants(w.descendants))
	total := w.pss
	for _, d := range w.descendants {
		total += d.pss
	}
	fmt.Printf("| agent + those processes, proportional (Pss: shared binary pages counted once) | %.1f MiB (agent %.1f) | |\n", mib(total), mib(w.pss))
}

func describeDescendants(ds []descendant) string {
	if len(ds) == 0 {
		return "none"
	}
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%.1f", mib(d.rss)))
	}
	return fmt.Sprintf("%d (%s): %s MiB", len(ds), commands(ds), strings.Join(parts, ", "))
}

// commands names the descendants' commands, each once.
func commands(ds []descendant) string {
	var names []string
	for _, d := range ds {
		if !slices.Contains(names, d.comm) {
			names = append(names, d.comm)
		}
	}
	return strings.Join(names, ", ")
}

// verdict compares rss with the target; under it before the heap's first
// GC cycle is only a lower bound, not a pass.
func (r report) verdict(rss uint64) string {
	switch {
	case rss >= targetRSS:
		return "**missed**"
	case !r.settledOK:
		return "under, but measured before the first GC (not a pass)"
	default:
		return "met"
	}
}

func fileSize(path string) uint64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return uint64(fi.Size())
}

func loadAverage() string { return benchkit.LoadAverage() }

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
