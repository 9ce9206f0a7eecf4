// Command enginelink benchmarks the agent link: simulated engines with real
// QUIC sessions (sharing a few UDP transports) against one link server run
// as a child process, as a bare quic-go server was measured
// server. It prints a markdown section: pairing latency and rate, sessions
// held, heartbeats per second, server CPU and memory per 1,000 engines,
// goroutines per session, and the time for every engine to reconnect after
// the link restarts.
//
//	go run ./bench/enginelink -engines 1000 -interval 10s
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/bench/enginesim"
)

type options struct {
	engines, transports, pairConcurrency int
	interval, timeout, settle, window    time.Duration
	summaryInterval                      time.Duration
	restart, classical, work             bool
	separateReports                      bool
	serverProcs                          int
	heapProfile, cpuProfile              string
}

func main() {
	var o options
	var serveMode bool
	var addr, keysFile string
	flag.IntVar(&o.engines, "engines", 1000, "simulated engines")
	flag.IntVar(&o.transports, "transports", 4, "shared client UDP sockets")
	flag.IntVar(&o.pairConcurrency, "pair-concurrency", 8, "pairings in flight")
	flag.DurationVar(&o.interval, "interval", 10*time.Second, "heartbeat interval")
	flag.DurationVar(&o.timeout, "timeout", 0, "heartbeat timeout (default 3x interval)")
	flag.DurationVar(&o.settle, "settle", 5*time.Second, "wait after every session is up")
	flag.DurationVar(&o.window, "window", 20*time.Second, "steady-state measurement window")
	flag.DurationVar(&o.summaryInterval, "summary-interval", 5*time.Minute, "how often the monitor writes each heard engine's last heartbeat and host summary (--engine-summary-interval), to an in-memory log")
	flag.BoolVar(&o.restart, "restart", true, "measure reconnection after a link restart")
	flag.BoolVar(&o.work, "work", true, "sessions take the shape of a production agent's: the work opened (the server then runs its work watcher) and a deployment report with the first heartbeat 30 s after the last; false: hello and heartbeats only")
	flag.BoolVar(&o.separateReports, "separate-reports", false, "with -work: the deployment report goes on its own 30 s timer, as agents did before it rode with the heartbeat")
	flag.IntVar(&o.serverProcs, "server-procs", 0, "GOMAXPROCS of the server process (0: the Go default, one per core); 1 compares with a bare quic-go server pinned to one core")
	flag.BoolVar(&o.classical, "classical-key-exchange", false, "the server offers X25519 only (no post-quantum hybrid)")
	flag.StringVar(&o.heapProfile, "heap-profile", "", "write the server's heap profile, taken after the steady window, to this file")
	flag.StringVar(&o.cpuProfile, "cpu-profile", "", "write the server's CPU profile over the steady window to this file")
	flag.BoolVar(&serveMode, "serve", false, "internal: run the server child")
	flag.StringVar(&addr, "addr", "127.0.0.1:0", "internal: server address")
	flag.StringVar(&keysFile, "keys-file", "", "internal: where the child writes its address and keys")
	flag.Parse()
	if o.timeout == 0 {
		o.timeout = 3 * o.interval
	}
	var err error
	if serveMode {
		err = serve(addr, keysFile, o)
	} else {
		err = bench(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/enginelink:", err)
		os.Exit(1)
	}
}

// child is the server process and its latest stats line.
type child struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	last serverStats
}

func (c *child) stats() serverStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

func startChild(o options, keysFile string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-serve", "-keys-file", keysFile, "-engines", fmt.Sprint(o.engines),
		"-interval", o.interval.String(), "-timeout", o.timeout.String(), fmt.Sprintf("-classical-key-exchange=%v", o.classical),
		fmt.Sprintf("-work=%v", o.work), "-cpu-profile", o.cpuProfile, "-window", o.window.String(),
		"-summary-interval", o.summaryInterval.String())
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), "QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING=true")
	if o.serverProcs > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("GOMAXPROCS=%d", o.serverProcs))
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var s serverStats
			if json.Unmarshal(sc.Bytes(), &s) == nil {
				c.mu.Lock()
				c.last = s
				c.mu.Unlock()
			}
		}
	}()
	return c, nil
}

func waitSetup(path string, d time.Duration) (setup, error) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			var s setup
			if json.Unmarshal(b, &s) == nil {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return setup{}, fmt.Errorf("server child did not start within %s", d)
}

func waitUntil(d time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			return time.Since(start), false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start), true
}

func bench(o options) error {
	tmp, err := os.MkdirTemp("", "bench-enginelink-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	c, err := startChild(o, filepath.Join(tmp, "setup.json"))
	if err != nil {
		return err
	}
	defer func() { _ = c.cmd.Process.Signal(syscall.SIGTERM); _ = c.cmd.Wait() }()
	st, err := waitSetup(filepath.Join(tmp, "setup.json"), time.Duration(o.engines)*time.Millisecond+30*time.Second)
	if err != nil {
		return err
	}
	s, err := enginesim.NewWithWork([]string{st.Addr}, o.transports, o.interval, o.work)
	if err != nil {
		return err
	}
	defer s.Close()
	if o.separateReports {
		s.SeparateReports()
	}
	pid := c.cmd.Process.Pid
	r := report{o: o, loadStart: benchkit.LoadAverage()}
	time.Sleep(1500 * time.Millisecond) // one stats line before sessions
	r.rssIdle, r.goroutinesIdle = benchkit.RSSBytes(pid), c.stats().Goroutines

	engines, err := r.pairAll(s, st.Keys)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	start := time.Now()
	for _, e := range engines {
		wg.Go(func() { s.Run(ctx, e) })
	}
	all := func() bool { return s.Connected() == int64(o.engines) }
	r.establish, r.established = waitUntil(2*time.Minute, all)
	r.connRate = float64(o.engines) / time.Since(start).Seconds()
	time.Sleep(o.settle)
	r.measureSteady(pid, c, s)
	if o.heapProfile != "" {
		if err := copyHeapProfile(pid, filepath.Join(tmp, "setup.json.heap"), o.heapProfile); err != nil {
			return err
		}
	}
	if o.restart {
		r.measureRestart(pid, c, s, all)
	}
	r.loadEnd = benchkit.LoadAverage()
	r.print()
	return nil
}

func (r *report) pairAll(s *enginesim.Sim, keys []string) ([]enginesim.Engine, error) {
	out := make([]enginesim.Engine, len(keys))
	lat := make([]time.Duration, len(keys))
	errs := make(chan error, len(keys))
	sem := make(chan struct{}, r.o.pairConcurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i, k := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			t0 := time.Now()
			e, err := s.Pair(context.Background(), 0, k)
			lat[i] = time.Since(t0)
			out[i] = e
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	r.pairTotal = time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("pairing: %w", err)
	}
	slices.Sort(lat)
	r.pairP50, r.pairP99 = lat[len(lat)/2], lat[len(lat)*99/100]
	return out, nil
}

// copyHeapProfile asks the child for a heap profile (SIGUSR2) and copies it
// out of the temporary directory once written.
func copyHeapProfile(pid int, from, to string) error {
	_ = os.Remove(from)
	_ = syscall.Kill(pid, syscall.SIGUSR2)
	var b []byte
	if _, ok := waitUntil(30*time.Second, func() bool {
		var err error
		b, err = os.ReadFile(from)
		return err == nil && len(b) > 0
	}); !ok {
		return fmt.Errorf("server child wrote no heap profile to %s", from)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return nil
}
