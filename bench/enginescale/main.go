// Command enginescale is the scale test of issue 9: simulated engines
// (bench/enginesim: real QUIC sessions, one short stream per heartbeat,
// over a few shared UDP sockets) against a 3-node control plane of real
// `roundhouse server` processes on loopback (real raft; separate
// processes, so each node's RSS and CPU are its own). Engine i pairs with
// node i mod 3 and keeps its session there, failing over as agents do.
//
// It measures sessions held per node, memory and goroutines per engine on
// every node, heartbeat CPU per node, and then kills the leader with -9,
// -rounds times: each round times a new leader and its first acknowledged
// write, waits until every engine of the killed node has a session on a
// survivor, and restarts the killed node over its data dir. Across the
// rounds it counts engines marked NOT_AVAILABLE (the target is none). It
// prints a markdown section with the median and max over the rounds.
//
//	go run ./bench/enginescale -engines 10000
//	go run ./bench/enginescale -engines 50000 -rounds 1   # the 50,000 hold
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/bench/enginesim"
)

type options struct {
	bin                                string
	engines, nodes, transports         int
	createConcurrency, pairConcurrency int
	interval, timeout, settle, window  time.Duration
	tail                               time.Duration
	rounds                             int
	failover, work, keep               bool
	nodeEnv, nodeArgs                  []string
}

func main() {
	var o options
	var nodeEnv, nodeArgs string
	flag.StringVar(&o.bin, "bin", "", "roundhouse binary (default: $ROUNDHOUSE_BIN_DIR/roundhouse, else built now)")
	flag.IntVar(&o.engines, "engines", 10000, "simulated engines")
	flag.IntVar(&o.nodes, "nodes", 3, "control-plane nodes")
	flag.IntVar(&o.transports, "transports", 8, "shared client UDP sockets")
	flag.IntVar(&o.createConcurrency, "create-concurrency", 32, "engine creations in flight")
	flag.IntVar(&o.pairConcurrency, "pair-concurrency", 16, "pairings in flight")
	flag.DurationVar(&o.interval, "interval", 60*time.Second, "engine heartbeat interval (pushed by the nodes)")
	flag.DurationVar(&o.timeout, "timeout", 0, "engine heartbeat timeout (default 3x interval)")
	flag.DurationVar(&o.settle, "settle", 5*time.Second, "wait after every session is up")
	flag.DurationVar(&o.window, "window", 30*time.Second, "steady-state measurement window")
	flag.BoolVar(&o.work, "work", true, "every session holds a work stream open, as real agents do")
	flag.BoolVar(&o.failover, "failover", true, "kill the leader and measure failover under the load")
	flag.IntVar(&o.rounds, "rounds", 5, "leader kills (each restarts the killed node before the next)")
	flag.DurationVar(&o.tail, "tail", 0, "how long after the last kill to keep watching for engines marked NOT_AVAILABLE (default timeout + 10s: the last leader's re-armed timers expire by then)")
	flag.BoolVar(&o.keep, "keep", false, "keep the nodes' data dirs and logs (the path is printed at the end)")
	flag.StringVar(&nodeEnv, "node-env", "", "extra environment of the nodes, comma-separated (e.g. GOMEMLIMIT=1GiB,GOGC=50)")
	flag.StringVar(&nodeArgs, "node-args", "", "extra arguments of `roundhouse server`, comma-separated (e.g. --raft-heartbeat-timeout=1s,--raft-election-timeout=1s)")
	flag.Parse()
	if o.timeout == 0 {
		o.timeout = 3 * o.interval
	}
	if o.tail == 0 {
		o.tail = o.timeout + 10*time.Second
	}
	if o.rounds < 1 {
		o.failover = false
	}
	if nodeEnv != "" {
		o.nodeEnv = strings.Split(nodeEnv, ",")
	}
	if nodeArgs != "" {
		o.nodeArgs = strings.Split(nodeArgs, ",")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bin, cleanup, err := binary(ctx, o.bin)
	if err == nil {
		o.bin = bin
		err = run(ctx, o)
		cleanup()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/enginescale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	r := report{o: o, load: benchkit.LoadAverage()}
	c, err := startCluster(ctx, o)
	if err != nil {
		return err
	}
	defer c.close()
	r.idle = c.sample(ctx)
	t0 := time.Now()
	keys, err := c.createEngines(ctx, o.engines, o.createConcurrency)
	if err != nil {
		return fmt.Errorf("create engines: %w", err)
	}
	r.create = time.Since(t0)
	progress("%d engines created in %s", o.engines, r.create.Round(time.Second))
	var addrs []string
	for _, n := range c.nodes {
		addrs = append(addrs, n.QUICAddr)
	}
	s, err := enginesim.NewWithWork(addrs, o.transports, o.interval, o.work)
	if err != nil {
		return err
	}
	defer s.Close()
	t0 = time.Now()
	engines, p50, p99, err := pairAll(ctx, s, keys, len(c.nodes), o.pairConcurrency)
	if err != nil {
		return err
	}
	r.pair, r.pairP50, r.pairP99 = time.Since(t0), p50, p99
	progress("paired in %s", r.pair.Round(time.Second))
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	t0 = time.Now()
	for _, e := range engines {
		wg.Go(func() { s.Run(sctx, e) })
	}
	// Handshakes run at a few hundred per second on a shared 2-core host.
	within := max(5*time.Minute, time.Duration(o.engines)*25*time.Millisecond)
	last := time.Now()
	err = benchkit.WaitUntil(ctx, "every engine's session", within, func() bool {
		if time.Since(last) > 30*time.Second {
			last = time.Now()
			progress("%d of %d sessions up (%d opened, %d heartbeats unanswered so far), load %s", s.Connected(), o.engines, s.Sessions(), s.Failed(), benchkit.LoadAverage())
		}
		return s.Connected() == int64(o.engines)
	})
	if err != nil {
		return err
	}
	r.establish = time.Since(t0)
	progress("every session up in %s; steady window starts in %s", r.establish.Round(time.Second), o.settle)
	time.Sleep(o.settle)
	r.steady = c.measure(ctx, s, o.window)
	if o.failover {
		f, err := failover(ctx, c, s, o.engines, o.rounds, o.tail)
		if err != nil {
			return err
		}
		r.failover = &f
	}
	r.print()
	return nil
}

// progress tells the operator of a long run where it is (stderr).
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "enginescale %s: %s\n", time.Now().UTC().Format(time.TimeOnly), fmt.Sprintf(format, args...))
}

// binary returns the roundhouse binary to run, building it when needed.
func binary(ctx context.Context, flagBin string) (string, func(), error) {
	noop := func() {}
	if flagBin != "" {
		return flagBin, noop, nil
	}
	if dir := os.Getenv("ROUNDHOUSE_BIN_DIR"); dir != "" {
		return filepath.Join(dir, "roundhouse"), noop, nil
	}
	dir, err := os.MkdirTemp("", "roundhouse-bench-bin-")
	if err != nil {
		return "", noop, err
	}
	bin := filepath.Join(dir, "roundhouse")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./cmd/roundhouse")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", noop, fmt.Errorf("build roundhouse (run from the repository root): %w\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}
