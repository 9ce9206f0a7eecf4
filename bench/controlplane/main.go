// Command controlplane benchmarks the control-plane core (issue 2) against
// real `roundhouse server` processes on loopback: API write throughput and
// latency on 1 and 3 nodes with concurrent clients, raw raft/FSM apply
// throughput with batching (cluster.Node in-process), leader kill -9 to the
// first accepted write, and a node's resident memory. It compares the
// figures with the targets and with Nomad measured on this machine
// (measured on the same machine) and prints a markdown section.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
)

// options are the benchmark's sizes; -quick shrinks them.
type options struct {
	bin          string
	clients      []int
	warmup       time.Duration
	measure      time.Duration
	failoverRuns int
	idle         time.Duration
	applyOps     int
	applyNodes   []int
	applyConc    []int
	parts        map[string]bool
	nodeEnv      []string
	// rate caps the offered writes/s of every load point (0: closed loop).
	rate int
	// profileSpread sends -write-profile's load to all 3 nodes instead of
	// the leader only (followers forward to the leader).
	profileSpread bool
}

func main() {
	var o options
	var clients, parts string
	quick := flag.Bool("quick", false, "small sizes and short runs (checks the program, figures not citable)")
	flag.StringVar(&o.bin, "bin", "", "roundhouse binary (default: $ROUNDHOUSE_BIN_DIR/roundhouse, else built now)")
	flag.StringVar(&clients, "clients", "1,16,64", "concurrent API clients per load point")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "warm-up before each load point's measurement")
	flag.DurationVar(&o.measure, "duration", 5*time.Second, "measured time per load point")
	flag.IntVar(&o.failoverRuns, "failover-runs", 5, "leader kills")
	flag.DurationVar(&o.idle, "idle", 30*time.Second, "how long a fresh node idles before its RSS is read (Nomad's baseline: 30 s)")
	flag.IntVar(&o.applyOps, "apply-ops", 20000, "commands per concurrent raw apply run")
	applyNodes := flag.String("apply-nodes", "1,3", "cluster sizes of the raw apply part")
	applyConc := flag.String("apply-concurrency", "1,16,256", "concurrent Apply callers of the raw apply part")
	nodeEnv := flag.String("node-env", "", "extra environment for the server processes, comma-separated (e.g. GOGC=200)")
	flag.StringVar(&parts, "parts", "writes,failover,apply", "which parts to run")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (the in-process apply part) to this file")
	flag.IntVar(&o.rate, "rate", 0, "offer at most this many writes/s at each load point (open loop; 0: every client writes as fast as answered)")
	flag.BoolVar(&o.profileSpread, "write-profile-spread", false, "with -write-profile: spread the load over all 3 nodes instead of the leader only")
	writeProfile := flag.String("write-profile", "", "instead of the report: run 3 nodes in this process under the write load of the last -clients figure and write their CPU profile to this file")
	flag.Parse()
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fatal(err)
		}
		defer stopProfile()
	}
	if *quick {
		quickDefaults(&o)
	}
	var err error
	if o.clients, err = parseInts(clients); err != nil {
		fatal(fmt.Errorf("-clients: %w", err))
	}
	if o.applyNodes, err = parseInts(*applyNodes); err != nil {
		fatal(fmt.Errorf("-apply-nodes: %w", err))
	}
	if o.applyConc, err = parseInts(*applyConc); err != nil {
		fatal(fmt.Errorf("-apply-concurrency: %w", err))
	}
	if *nodeEnv != "" {
		o.nodeEnv = strings.Split(*nodeEnv, ",")
	}
	o.parts = map[string]bool{}
	for _, p := range strings.Split(parts, ",") {
		o.parts[strings.TrimSpace(p)] = true
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *writeProfile != "" {
		if err := profileWrites(ctx, o, *writeProfile); err != nil {
			fatal(err)
		}
		return
	}
	if err := run(ctx, o); err != nil {
		stop()
		fmt.Fprintln(os.Stderr, "bench controlplane:", err)
		defer os.Exit(1) // after the deferred profile stop
	}
}

// quickDefaults shrinks the sizes the caller did not set explicitly.
func quickDefaults(o *options) {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, apply := range map[string]func(){
		"warmup":        func() { o.warmup = 500 * time.Millisecond },
		"duration":      func() { o.measure = 2 * time.Second },
		"failover-runs": func() { o.failoverRuns = 3 },
		"idle":          func() { o.idle = 5 * time.Second },
		"apply-ops":     func() { o.applyOps = 5000 },
	} {
		if !set[name] {
			apply()
		}
	}
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench controlplane:", err)
	os.Exit(1)
}

func run(ctx context.Context, o options) error {
	bin, cleanup, err := serverBinary(ctx, o.bin)
	if err != nil {
		return err
	}
	defer cleanup()
	l, err := newLauncher(bin, o.nodeEnv)
	if err != nil {
		return err
	}
	defer l.close()
	rep := &report{opts: o, loadStart: benchkit.LoadAverage()}
	var errs []error
	if o.parts["writes"] {
		errs = append(errs, measureWrites(ctx, l, o, rep))
	}
	if o.parts["failover"] && ctx.Err() == nil {
		errs = append(errs, measureFailover(ctx, l, o, rep))
	}
	if o.parts["apply"] && ctx.Err() == nil {
		runs, err := rawApply(ctx, o.applyNodes, o.applyConc, o.applyOps)
		rep.apply = runs
		errs = append(errs, err)
	}
	rep.loadEnd = benchkit.LoadAverage()
	rep.print(os.Stdout)
	return errors.Join(errs...)
}

// measureWrites loads a fresh single node, then a fresh 3-node cluster,
// reading each one's memory while idle and after the load.
func measureWrites(ctx context.Context, l *launcher, o options, rep *report) error {
	single, err := l.cluster(ctx, "single", 1)
	if err != nil {
		return fmt.Errorf("1-node cluster: %w", err)
	}
	sleepCtx(ctx, o.idle)
	rep.addMemory("1 node, idle "+o.idle.String()+" after start", single[0])
	for _, c := range o.clients {
		r := writeLoad(ctx, []string{single[0].HTTPAddr}, pids(single), c, o.rate, o.warmup, o.measure, fmt.Sprintf("one-c%d", c))
		rep.addWrites(1, "the node", r)
	}
	rep.addMemory("1 node, after its write load", single[0])
	single[0].kill()

	trio, err := l.cluster(ctx, "trio", 3)
	if err != nil {
		return fmt.Errorf("3-node cluster: %w", err)
	}
	settle := min(o.idle, 7*time.Second) // Nomad's 3 servers were read ~7 s after start
	sleepCtx(ctx, settle)
	leader, err := agreedLeader(ctx, trio, 10*time.Second)
	if err != nil {
		return err
	}
	for _, n := range trio {
		rep.addMemory(fmt.Sprintf("3-node member %s (%s), %s after forming", n.ID, role(n, leader), settle), n)
	}
	all := []string{trio[0].HTTPAddr, trio[1].HTTPAddr, trio[2].HTTPAddr}
	for _, c := range o.clients {
		rep.addWrites(3, "spread over all 3", writeLoad(ctx, all, pids(trio), c, o.rate, o.warmup, o.measure, fmt.Sprintf("all-c%d", c)))
		rep.addWrites(3, "leader only", writeLoad(ctx, []string{leader.HTTPAddr}, pids(trio), c, o.rate, o.warmup, o.measure, fmt.Sprintf("ldr-c%d", c)))
	}
	for _, n := range trio {
		rep.addMemory(fmt.Sprintf("3-node member %s (%s), after the write load", n.ID, role(n, leader)), n)
	}
	for _, n := range trio {
		n.kill()
	}
	return nil
}

func pids(nodes []*node) []int {
	var out []int
	for _, n := range nodes {
		out = append(out, n.pid())
	}
	return out
}

func role(n, leader *node) string {
	if n == leader {
		return "leader"
	}
	return "follower"
}

func measureFailover(ctx context.Context, l *launcher, o options, rep *report) error {
	nodes, err := l.cluster(ctx, "failover", 3)
	if err != nil {
		return fmt.Errorf("3-node cluster for failover: %w", err)
	}
	defer func() {
		for _, n := range nodes {
			n.kill()
		}
	}()
	settle := 2 * time.Second
	if o.failoverRuns <= 3 {
		settle = 500 * time.Millisecond
	}
	rep.failover, err = failover(ctx, nodes, o.failoverRuns, settle)
	return err
}

// serverBinary finds the roundhouse binary or builds one into a temp dir.
func serverBinary(ctx context.Context, flagBin string) (string, func(), error) {
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
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/roundhouse")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", noop, fmt.Errorf("build roundhouse (run from the repository root): %w\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}
