// Command agentidle measures what an idle engine agent costs its host
// (issue 4's target: agent idle RSS under 20 MiB). It starts one real
// `roundhouse server` node, creates an engine through the API, pairs a
// real `roundhouse-engine` (`pair`, then `run`), waits until the engine
// is AVAILABLE and samples the agent process over an idle window: RSS
// (VmRSS, RssAnon, RssFile) at the end and its range, peak RSS (VmHWM),
// CPU share of one core, threads, the Go heap as the runtime reports it
// (GODEBUG=gctrace=1 lines in the agent's log). Optionally it then runs
// the README's sample job (examples/hello-job) through the CLI and
// measures a second window. Last, the agent dumps its goroutines
// (SIGQUIT: it exposes no debug endpoint) to count them. Only the agent
// process is counted; the plugin processes it re-executes itself for are
// reported apart. Every process it started is stopped, also on error.
//
//	go run ./bench/agentidle -interval 1s -window 30s
//	go run ./bench/agentidle -interval 60s -job=false   # default heartbeat
//	go run ./bench/agentidle -agent-env GOGC=50          # a runtime knob
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

type options struct {
	interval, window, afterWindow time.Duration
	settleMax                     time.Duration
	job, goroutines, gctrace      bool
	keep                          bool
	jobDir                        string
	agentEnv                      []string
}

func main() {
	var o options
	var agentEnv string
	flag.DurationVar(&o.interval, "interval", time.Second, "engine heartbeat interval the node pushes (timeout 3x); the product default is 60s")
	flag.DurationVar(&o.settleMax, "settle-max", 90*time.Second, "before the window, wait for the agent's first GC after AVAILABLE (its heap has then reached the GC goal once), at most this long; 0: no wait (needs -gctrace)")
	flag.DurationVar(&o.window, "window", 20*time.Second, "idle measurement window")
	flag.BoolVar(&o.job, "job", true, "then run examples/hello-job once through the CLI and measure a second window")
	flag.DurationVar(&o.afterWindow, "after-window", 10*time.Second, "measurement window after the job ended")
	flag.StringVar(&o.jobDir, "job-dir", "examples/hello-job", "the sample job's directory (relative to the repository root)")
	flag.BoolVar(&o.goroutines, "goroutines", true, "count the agent's goroutines at the end (SIGQUIT dump; ends the agent)")
	flag.BoolVar(&o.gctrace, "gctrace", true, "run the agent with GODEBUG=gctrace=1 and report its last GC line")
	flag.BoolVar(&o.keep, "keep", false, "keep the data dirs and logs (the agent's holds its GC lines and goroutine dump; the path is printed on stderr)")
	quick := flag.Bool("quick", false, "check the program: no wait for a GC, 5 s and 3 s windows (BENCH_QUICK=1 make bench)")
	flag.StringVar(&agentEnv, "agent-env", "", "extra environment of the agent, comma-separated (e.g. GOGC=50,GOMEMLIMIT=16MiB)")
	flag.Parse()
	if *quick {
		o.settleMax, o.window, o.afterWindow = 0, 5*time.Second, 3*time.Second
	}
	if agentEnv != "" {
		o.agentEnv = strings.Split(agentEnv, ",")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/agentidle:", err)
		stop()
		os.Exit(1)
	}
}

// bench runs one measurement; every process it started is stopped when
// it returns.
func bench(ctx context.Context, o options) error {
	tmp, err := os.MkdirTemp("", "roundhouse-bench-agentidle-")
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			fmt.Fprintln(os.Stderr, "bench/agentidle: data dirs and logs kept in", tmp)
			return
		}
		_ = os.RemoveAll(tmp)
	}()
	ps := &procs{dir: tmp}
	defer ps.stopAll()
	bins, err := findBinaries(ctx, tmp)
	if err != nil {
		return err
	}
	n, envID, err := startNode(ctx, ps, bins.server, o)
	if err != nil {
		return err
	}
	e, err := startEngine(ctx, ps, n, bins.engine, envID, o.agentEnvironment())
	if err != nil {
		return err
	}
	r := report{o: o, binNote: bins.note, engineBin: bins.engine, pairing: e.pairing, ready: e.ready, loadStart: loadAverage()}
	pid := e.agent.pid()
	if o.gctrace && o.settleMax > 0 {
		r.settled, r.settledOK = settle(ctx, e.agent, o.settleMax)
	}
	if r.idle, err = measureWindow(ctx, pid, o.window); err != nil {
		return err
	}
	ps.remember(r.idle.descendants)
	r.rollup = readRollup(pid)
	r.gcIdle, r.gcIdleOK = lastGC(e.agent.logPath)
	if o.job {
		if r.job, err = runHelloJob(ctx, n, bins.server, jobDir(o.jobDir), tmp, e.id, envID); err != nil {
			return fmt.Errorf("sample job: %w", err)
		}
		if r.after, err = measureWindow(ctx, pid, o.afterWindow); err != nil {
			return err
		}
		ps.remember(r.after.descendants)
		r.gcAfter, r.gcAfterOK = lastGC(e.agent.logPath)
	}
	if o.goroutines {
		r.goroutines, r.goroutinesErr = goroutineCount(ps, e.agent)
	}
	r.loadEnd = loadAverage()
	r.print()
	return nil
}

// agentEnvironment is the agent's extra environment.
func (o options) agentEnvironment() []string {
	env := []string{"QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING=true"}
	if o.goroutines {
		env = append(env, "GOTRACEBACK=all")
	}
	godebug := ""
	for _, kv := range o.agentEnv {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			godebug = v
			continue
		}
		env = append(env, kv)
	}
	if o.gctrace {
		godebug = strings.TrimPrefix(godebug+",gctrace=1", ",")
	}
	if godebug != "" {
		env = append(env, "GODEBUG="+godebug)
	}
	return env
}

// jobDir resolves dir against the repository root when it is relative.
func jobDir(dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(moduleRoot(), dir)
}
