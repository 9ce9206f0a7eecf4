// Command dispatch benchmarks job executions end to end through one real
// engine: an in-process single-node control plane, a real
// `roundhouse-engine run` process paired to it, and a no-op shell job
// uploaded as an artifact. It measures, through the API, submit
// (POST /processing/executions) to final state visible
// (GET /processing/executions/{id}) for sequential runs (p50/p99), and
// the executions per second one engine finishes when many are queued.
// It prints a markdown section.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/e2e/harness"
)

const token = "rhp_bench-dispatch-token-0123456789abcdefghijklmn"

func main() {
	seq := flag.Int("n", 200, "sequential executions for the latency figures")
	burst := flag.Int("burst", 400, "executions queued at once for the throughput figure (50 per task: the queue cap)")
	rounds := flag.Int("rounds", 3, "throughput rounds (the median is reported)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of this process (control plane and client) over the throughput rounds")
	flag.Parse()
	if err := run(*seq, *burst, *rounds, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "bench dispatch:", err)
		os.Exit(1)
	}
}

func run(seq, burst, rounds int, cpuprofile string) error {
	bins, err := harness.Build()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "rhb")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quicAddr := benchkit.FreeAddr("udp")
	srv, stop, err := startServer(filepath.Join(dir, "cp"), quicAddr)
	if err != nil {
		return err
	}
	defer stop()
	c := benchkit.NewClient(srv.Addr(), token, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}})
	engineID, agentPID, stopAgent, err := startEngine(c, bins, quicAddr, filepath.Join(dir, "e"))
	if err != nil {
		return err
	}
	defer stopAgent()
	tasks, err := publishTasks(c, engineID, max(1, (burst+49)/50))
	if err != nil {
		return err
	}
	// Warm-up: the first run downloads and unpacks the artifact.
	if _, err := runOne(c, tasks[0], &phaseLog{}); err != nil {
		return err
	}
	var lat []time.Duration
	phases := &phaseLog{}
	for range seq {
		d, err := runOne(c, tasks[0], phases)
		if err != nil {
			return err
		}
		lat = append(lat, d)
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	var rates []float64
	var cpuSelf, cpuEngine []time.Duration
	for range max(rounds, 1) {
		before := sampleCPU(agentPID)
		rate, err := throughput(c, tasks, burst)
		if err != nil {
			return err
		}
		used := sampleCPU(agentPID).sub(before)
		rates = append(rates, rate)
		cpuSelf, cpuEngine = append(cpuSelf, used.self/time.Duration(burst)), append(cpuEngine, used.engine/time.Duration(burst))
	}
	if cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	slices.Sort(rates)
	slices.Sort(cpuSelf)
	slices.Sort(cpuEngine)
	rate, mid := rates[len(rates)/2], len(rates)/2
	slices.Sort(lat)
	slices.Sort(phases.dispatch)
	slices.Sort(phases.engine)
	fmt.Println("## Dispatch to a real engine (bench/dispatch)")
	fmt.Println()
	fmt.Printf("One control-plane node in process, one `roundhouse-engine` process, a no-op shell job (`exit 0`).\n\n")
	fmt.Println("| measure | value |")
	fmt.Println("|---|---|")
	fmt.Printf("| submit → final state visible, p50 (%d sequential runs) | %s |\n", seq, pct(lat, 50))
	fmt.Printf("| submit → final state visible, p99 | %s |\n", pct(lat, 99))
	fmt.Printf("| of which queued → dispatched (recorded), p50 / p99 | %s / %s |\n", pct(phases.dispatch, 50), pct(phases.dispatch, 99))
	fmt.Printf("| of which dispatched → final (engine run and report, recorded), p50 / p99 | %s / %s |\n", pct(phases.engine, 50), pct(phases.engine, 99))
	fmt.Printf("| executions/s through one engine (%d queued at once, 3 at a time on the engine; median of %d rounds %s) | %.0f |\n", burst, len(rates), fmtRates(rates), rate)
	fmt.Printf("| CPU per execution in that run, median: control plane + bench client (one process) | %s |\n", cpuSelf[mid].Round(time.Microsecond))
	fmt.Printf("| CPU per execution in that run, median: engine (agent, plugins, jobs) | %s |\n", cpuEngine[mid].Round(time.Microsecond))
	fmt.Printf("| CPU per execution, sum | %s |\n", (cpuSelf[mid] + cpuEngine[mid]).Round(time.Microsecond))
	return nil
}

func fmtRates(r []float64) string {
	var parts []string
	for _, v := range r {
		parts = append(parts, fmt.Sprintf("%.0f", v))
	}
	return strings.Join(parts, ", ")
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, len(d)*p/100)].Round(100 * time.Microsecond)
}

func startServer(dir, quicAddr string) (*controlplane.Server, func(), error) {
	return benchkit.RunServer(controlplane.Config{DataDir: dir, QUICAddr: quicAddr, BootstrapToken: token,
		EngineHeartbeatInterval: time.Second, EngineHeartbeatTimeout: 3 * time.Second})
}

// startEngine creates an engine, pairs a real agent with it and runs it
// until the returned func stops it.
func startEngine(c *api.Client, bins harness.Binaries, quicAddr, dir string) (string, int, func(), error) {
	deadline := time.Now().Add(20 * time.Second)
	envs, err := c.Environments().List(context.Background(), "default")
	for ; err != nil || len(envs) == 0; envs, err = c.Environments().List(context.Background(), "default") {
		if time.Now().After(deadline) {
			return "", 0, nil, fmt.Errorf("control plane not ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	e, err := c.Engines().Create(context.Background(), api.EngineCreate{Name: "bench", EnvironmentID: envs[0].ID})
	if err != nil {
		return "", 0, nil, err
	}
	if out, err := exec.Command(bins.Engine, "pair", "--server", quicAddr, "--key", e.PreAuthorizedKey, "--data-dir", dir).CombinedOutput(); err != nil {
		return "", 0, nil, fmt.Errorf("pair: %v: %s", err, out)
	}
	agent := exec.Command(bins.Engine, "run", "--data-dir", dir, "--log-level", "error")
	agent.Stderr = os.Stderr
	if err := agent.Start(); err != nil {
		return "", 0, nil, err
	}
	done := make(chan struct{})
	go func() { _ = agent.Wait(); close(done) }()
	stop := func() {
		_ = agent.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = agent.Process.Kill()
			<-done
		}
	}
	for {
		if v, err := c.Engines().Get(context.Background(), e.ID); err == nil && v.Availability == api.EngineAvailable {
			return e.ID, agent.Process.Pid, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", 0, nil, fmt.Errorf("engine not AVAILABLE")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// publishTasks uploads n no-op job artifacts (each creates its task) and
// points every task at the engine, parallel runs allowed.
func publishTasks(c *api.Client, engineID string, n int) ([]string, error) {
	if _, _, err := executionstest.SharedWorkspace(c.Address(), token); err != nil {
		return nil, err
	}
	var tasks []string
	for i := range n {
		archive, err := executionstest.Archive(executionstest.JobManifest(fmt.Sprintf("noop-%d", i), "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\nexit 0\n"})
		if err != nil {
			return nil, err
		}
		pub, err := c.Artifacts().Upload(context.Background(), "", bytes.NewReader(archive), int64(len(archive)))
		if err != nil {
			return nil, err
		}
		rc := api.RunConfig{Runtime: api.TaskRuntime{Type: api.RuntimeEngine, ID: engineID}, ParallelExecutionAllowed: true}
		if err := c.Tasks().SetRunConfig(context.Background(), pub.TaskID, rc); err != nil {
			return nil, err
		}
		tasks = append(tasks, pub.TaskID)
	}
	return tasks, nil
}

func submit(c *api.Client, task string) (string, error) {
	out, err := c.Executions().Run(context.Background(), api.RunRequest{Executable: task})
	if err != nil {
		return "", err
	}
	return out.ExecutionID, nil
}

// phaseLog collects, per run, queued→dispatched and dispatched→final as
// the control plane recorded them.
type phaseLog struct{ dispatch, engine []time.Duration }

func (p *phaseLog) add(dispatch, engine time.Duration) {
	p.dispatch, p.engine = append(p.dispatch, dispatch), append(p.engine, engine)
}

// runOne submits one execution and polls until its final state shows.
func runOne(c *api.Client, task string, phases *phaseLog) (time.Duration, error) {
	start := time.Now()
	id, err := submit(c, task)
	if err != nil {
		return 0, err
	}
	for {
		v, err := c.Executions().Get(context.Background(), id)
		if err != nil {
			return 0, err
		}
		switch v.ExecutionStatus {
		case "EXECUTION_SUCCESS":
			phases.add(at(v.DispatchedAt).Sub(v.TriggerTime), at(v.FinishedAt).Sub(at(v.DispatchedAt)))
			return time.Since(start), nil
		case "EXECUTION_FAILED", "DEPLOY_FAILED", "EXECUTION_TERMINATED", "EXECUTION_TERMINATED_TIMEOUT", "EXECUTION_REJECTED":
			return 0, fmt.Errorf("execution %s ended %s: %s", id, v.ExecutionStatus, v.ErrorMessage)
		}
		if time.Since(start) > time.Minute {
			return 0, fmt.Errorf("execution %s still %s after a minute", id, v.ExecutionStatus)
		}
		time.Sleep(time.Millisecond)
	}
}

// at is *t, or the zero time when the API left it out.
func at(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// throughput queues n executions over the tasks at once and returns how
// many per second finished, first submit to last final state.
func throughput(c *api.Client, tasks []string, n int) (float64, error) {
	start := time.Now()
	// Counted among the executions triggered since the round began (the
	// listing stops at the first older one); the clocks are the same.
	since := start.Add(-time.Second).UTC()
	succeeded := func() (int, error) {
		page, err := c.Executions().List(context.Background(), api.ExecutionFilter{Status: "EXECUTION_SUCCESS", From: since, ListOptions: api.ListOptions{Limit: 1}})
		if err != nil {
			return 0, err
		}
		return page.Total, nil
	}
	before, err := succeeded()
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if _, err := submit(c, tasks[i%len(tasks)]); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	for {
		done, err := succeeded()
		if err != nil {
			return 0, err
		}
		if done-before >= n {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return 0, fmt.Errorf("only %d of %d finished", done-before, n)
		}
		// Each poll lists (scans) every execution record: at 5 ms it was a
		// quarter of the control plane's CPU in this bench.
		time.Sleep(20 * time.Millisecond)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
