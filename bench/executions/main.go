// Command executions benchmarks job executions through the real API of an
// in-process single-node control plane: N no-op executions are submitted
// by concurrent clients (POST /processing/executions), placed by the real
// dispatcher on fake engines that take assignments from the local replica
// and report through Service.ReportStatus, and polled until their final
// state is visible (GET /processing/executions/{id}). It prints a markdown
// section: submit-acknowledged and final-state-visible p50/p99,
// throughput, and the heap after each tenth of the run (memory must stay
// flat apart from the retained execution records).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const token = "rhp_bench-executions-token-0123456789abcdefghijkl"

func main() {
	n := flag.Int("n", 10_000, "executions to run")
	clients := flag.Int("clients", 8, "concurrent API clients (each waits for its execution's end)")
	engines := flag.Int("engines", 1, "fake engines (a cluster when more than one)")
	nodes := flag.Int("nodes", 1, "control-plane nodes (3: clients use a follower, engine sessions spread over the nodes)")
	retention := flag.Duration("retention", 0, "keep execution records this long (0: the product's 31 days); a short one shows memory without the retained records")
	memprofile := flag.String("memprofile", "", "write a heap profile at the end to this file")
	flag.Parse()
	if *memprofile != "" {
		runtime.MemProfileRate = 4096 // fine-grained: the profile is the point of the run
	}
	if err := run(*n, *clients, *engines, *nodes, *retention, *memprofile); err != nil {
		fmt.Fprintln(os.Stderr, "bench executions:", err)
		os.Exit(1)
	}
}

type result struct {
	ack, final time.Duration
}

func run(n, clients, engineCount, nodeCount int, retention time.Duration, memprofile string) (err error) {
	directory := executionstest.NewDirectory()
	ec := executions.Config{Engines: directory, Rescan: 50 * time.Millisecond, Retention: retention, RetentionEvery: retention / 4}
	tb := &benchTB{}
	defer tb.cleanup()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	servers := []*controlplane.Server{}
	if nodeCount <= 1 {
		srv, stop, err := startServer(tb.TempDir(), ec)
		if err != nil {
			return err
		}
		tb.Cleanup(stop)
		servers = append(servers, srv)
	} else {
		for _, node := range executionstest.StartCluster(tb, nodeCount, token, ec) {
			servers = append(servers, node.Server)
		}
	}
	entry := servers[len(servers)-1] // with several nodes, a follower: writes are forwarded
	c := benchkit.NewClient(entry.Addr(), token, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}})
	taskID, err := prepare(c, directory, engineCount)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < engineCount; i++ {
		srv := servers[i%len(servers)]
		e := &executionstest.Engine{ID: fmt.Sprintf("engine-%d", i), Execs: srv.Executions(), Read: srv.Node().Read}
		wg.Add(1)
		go func() { defer wg.Done(); e.Run(ctx) }()
	}
	defer func() { cancel(); wg.Wait() }()

	start := sampleMemory(0)
	cpuBefore, _ := benchkit.ProcessCPU(os.Getpid())
	results, heaps, elapsed, err := drive(c, taskID, n, clients)
	if err != nil {
		return err
	}
	cpuAfter, _ := benchkit.ProcessCPU(os.Getpid())
	slices.SortFunc(heaps, func(a, b memSample) int { return a.finished - b.finished })
	end := sampleMemory(n)
	end.label = "after the run"
	samples := append(append([]memSample{start}, heaps...), end)
	report(n, clients, engineCount, nodeCount, retention, results, samples, elapsed, (cpuAfter-cpuBefore)/time.Duration(n))
	reportHistoryFiles(n, tb.dirs)
	if memprofile != "" {
		f, err := os.Create(memprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		runtime.GC()
		return pprof.WriteHeapProfile(f)
	}
	return nil
}

func startServer(dir string, ec executions.Config) (*controlplane.Server, func(), error) {
	return benchkit.RunServer(controlplane.Config{DataDir: dir, BootstrapToken: token, Executions: ec})
}

// benchTB lets the program use executionstest.StartCluster: temp dirs and
// clean-ups run at the end, a fatal error panics (run recovers it).
type benchTB struct {
	cleanups []func()
	dirs     []string // every temp dir handed out: the nodes' data dirs
}

func (b *benchTB) Helper() {}

func (b *benchTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (b *benchTB) TempDir() string {
	dir, err := os.MkdirTemp("", "bench-executions-")
	if err != nil {
		panic(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	b.dirs = append(b.dirs, dir)
	return dir
}

func (b *benchTB) Cleanup(f func()) { b.cleanups = append(b.cleanups, f) }

func (b *benchTB) cleanup() {
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
}

// prepare waits for the API, publishes a no-op job artifact and points
// its task at one engine or a cluster of them.
func prepare(c *api.Client, directory *executionstest.Directory, engineCount int) (string, error) {
	deadline := time.Now().Add(20 * time.Second)
	envs, err := c.Environments().List(context.Background(), "default")
	for ; err != nil || len(envs) == 0; envs, err = c.Environments().List(context.Background(), "default") {
		if time.Now().After(deadline) {
			return "", fmt.Errorf("control plane not ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, _, err := executionstest.SharedWorkspace(c.Address(), token); err != nil {
		return "", err
	}
	var ids []string
	for i := 0; i < engineCount; i++ {
		ids = append(ids, fmt.Sprintf("engine-%d", i))
		directory.AddEngine(ids[i], envs[0].ID)
	}
	runtime := api.TaskRuntime{Type: api.RuntimeEngine, ID: ids[0]}
	if engineCount > 1 {
		directory.AddCluster("cluster", envs[0].ID, ids...)
		runtime = api.TaskRuntime{Type: api.RuntimeEngineCluster, ID: "cluster"}
	}
	archive, err := executionstest.Archive(executionstest.JobManifest("noop", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	if err != nil {
		return "", err
	}
	pub, err := c.Artifacts().Upload(context.Background(), "", bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return "", err
	}
	rc := api.RunConfig{Runtime: runtime, ParallelExecutionAllowed: true, TimeoutMinutes: 60}
	return pub.TaskID, c.Tasks().SetRunConfig(context.Background(), pub.TaskID, rc)
}

// drive runs n executions through `clients` concurrent clients, sampling
// the heap after every tenth.
func drive(c *api.Client, taskID string, n, clients int) ([]result, []memSample, time.Duration, error) {
	var next atomic.Int64
	results := make([]result, n)
	errs := make(chan error, clients)
	var heaps []memSample
	var heapMu sync.Mutex
	var wg sync.WaitGroup
	begin := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				r, err := one(c, taskID)
				if err != nil {
					errs <- err
					return
				}
				results[i] = r
				if (i+1)%(max(n/10, 1)) == 0 {
					heapMu.Lock()
					heaps = append(heaps, sampleMemory(i+1))
					heapMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	select {
	case err := <-errs:
		return nil, nil, 0, err
	default:
	}
	return results, heaps, elapsed, nil
}

func one(c *api.Client, taskID string) (result, error) {
	start := time.Now()
	created, err := c.Executions().Run(context.Background(), api.RunRequest{Executable: taskID})
	if err != nil {
		return result{}, err
	}
	ack := time.Since(start)
	for {
		v, err := c.Executions().Get(context.Background(), created.ExecutionID)
		if err != nil {
			return result{}, err
		}
		if state.IsFinalStatus(v.ExecutionStatus) {
			if v.ExecutionStatus != state.ExecSuccess {
				return result{}, fmt.Errorf("execution %s ended %s: %s", v.ID, v.ExecutionStatus, v.ErrorMessage)
			}
			return result{ack: ack, final: time.Since(start)}, nil
		}
		time.Sleep(pollEvery)
	}
}

// pollEvery paces the final-state polling: finer would measure the
// clients' own CPU use on this 2-core machine more than the control plane.
const pollEvery = 2 * time.Millisecond

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

func report(n, clients, engines, nodes int, retention time.Duration, results []result, heaps []memSample, elapsed, cpuPerExec time.Duration) {
	acks, finals := make([]time.Duration, n), make([]time.Duration, n)
	for i, r := range results {
		acks[i], finals[i] = r.ack, r.final
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	if nodes > 1 {
		fmt.Printf("## Executions on %d nodes (bench/executions -nodes %d -n %d)\n\n", nodes, nodes, n)
	} else {
		fmt.Printf("## Executions (bench/executions)\n\n")
	}
	where := "1 control-plane node"
	if nodes > 1 {
		where = fmt.Sprintf("%d control-plane nodes (API calls to a follower)", nodes)
	}
	fmt.Printf("%d no-op executions, %d concurrent API clients, %d fake engine(s), %s, all in one process, %d cores.\n\n",
		n, clients, engines, where, runtime.NumCPU())
	fmt.Printf("| measure | p50 | p99 |\n|---|---|---|\n")
	fmt.Printf("| submit → 201 (record committed) | %s | %s |\n", ms(percentile(acks, .5)), ms(percentile(acks, .99)))
	fmt.Printf("| submit → final state visible in the API | %s | %s |\n\n", ms(percentile(finals, .5)), ms(percentile(finals, .99)))
	fmt.Printf("Throughput: %.0f executions/s end to end; CPU %.2f ms per execution (the whole process: control plane, fake engines and clients; load %s at the end).\n\n",
		float64(n)/elapsed.Seconds(), float64(cpuPerExec.Microseconds())/1000, benchkit.LoadAverage())
	kept := "31 days (the product's retention)"
	if retention > 0 {
		kept = retention.String() + " (pruned by the leader's retention loop during the run)"
	}
	fmt.Printf("Execution records kept: %s.\n\n", kept)
	reportMemory(n, heaps)
	fmt.Printf("\nThe heap is the whole process: control plane, fake engines' bookkeeping and clients. Finished\n" +
		"executions and audit entries are kept for their retention in each node's on-disk history store, not\n" +
		"in the heap; run with -retention 2s to compare.\n\n")
}
