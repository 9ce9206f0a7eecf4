// Command deployments benchmarks rolling updates of a service task: an
// in-process single-node control plane and simulated engines (fake
// agents speaking the real protocol over real QUIC sessions, from
// controlplane/deployments/deploymentstest) in one cluster. It times a
// rolling update from POST .../deploy to the rollout SUCCESSFUL in the
// API, against the sum of the health waits (engines × minHealthySeconds):
// what is left is the control plane's own machinery (raft writes, the
// deployment watcher, the engine link) plus the simulated agent's steps.
// It prints a markdown section.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const token = "rhp_bench-deployments-token-0123456789abcdefghijk"

func main() {
	sizes := flag.String("engines", "3,10", "cluster sizes, comma-separated")
	runs := flag.Int("runs", 3, "rolling updates per size")
	step := flag.Duration("agent-step", 0, "simulated agent time for each of download, start and undeploy")
	flag.Parse()
	fmt.Println("## Rolling updates (bench/deployments)")
	fmt.Println()
	fmt.Printf("One control-plane node in process; simulated engines over real QUIC sessions; minHealthySeconds 1, shutdownDelaySeconds 0, simulated agent step %s. Overhead = (update time − health waits) / health waits; the health waits are the floor any health-gated roll pays.\n\n", *step)
	fmt.Println("| engines | health waits | rolling update, median | worst | overhead, median | worst |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "bench deployments: bad -engines", s)
			os.Exit(2)
		}
		times, err := measure(n, *runs, *step)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench deployments:", err)
			os.Exit(1)
		}
		slices.Sort(times)
		floor := time.Duration(n) * time.Second
		med, worst := times[len(times)/2], times[len(times)-1]
		fmt.Printf("| %d | %s | %s | %s | %.1f%% | %.1f%% |\n", n, floor, med.Round(time.Millisecond), worst.Round(time.Millisecond),
			overhead(med, floor), overhead(worst, floor))
	}
}

func overhead(d, floor time.Duration) float64 { return 100 * float64(d-floor) / float64(floor) }

// measure sets up n engines and times runs rolling updates between two
// versions.
func measure(n, runs int, step time.Duration) ([]time.Duration, error) {
	dir, err := os.MkdirTemp("", "rhb-deploy")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, stop, err := benchkit.RunServer(controlplane.Config{DataDir: dir, BootstrapToken: token})
	if err != nil {
		return nil, err
	}
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(runs+2)*time.Duration(n)*10*time.Second+time.Minute)
	defer cancel()
	fleet, err := waitFleet(ctx, "http://"+srv.Addr(), srv.QUICAddr())
	if err != nil {
		return nil, err
	}
	var engines []*deploymentstest.Engine
	for i := range n {
		e, err := fleet.AddEngine(ctx, fmt.Sprintf("bench-%02d", i+1), "2.13.0")
		if err != nil {
			return nil, err
		}
		defer e.Stop()
		e.SetStepDelay(step)
		engines = append(engines, e)
	}
	clusterID, err := fleet.AddCluster("bench", engines...)
	if err != nil {
		return nil, err
	}
	art, err := fleet.PublishService("bench-api", "1.0.0", "2.0.0")
	if err != nil {
		return nil, err
	}
	task, err := fleet.ServiceTask("bench-api", art, "1.0.0", map[string]any{
		"runtime": map[string]any{"type": state.RuntimeEngineCluster, "id": clusterID}, "deploymentStrategy": state.StrategyRolling,
		"minHealthySeconds": 1, "progressDeadlineSeconds": 60, "shutdownDelaySeconds": 0})
	if err != nil {
		return nil, err
	}
	if _, err := roll(ctx, fleet, task); err != nil { // the first deploy: from nothing
		return nil, err
	}
	var out []time.Duration
	versions := []string{"2.0.0", "1.0.0"}
	for i := range runs {
		if err := fleet.SetVersion(task, versions[i%2]); err != nil {
			return nil, err
		}
		d, err := roll(ctx, fleet, task)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// roll deploys and waits for the rollout's end, polling every 2 ms.
func roll(ctx context.Context, fleet *deploymentstest.Fleet, task string) (time.Duration, error) {
	start := time.Now()
	if err := fleet.API.Do("POST", "/orchestration/executables/tasks/"+task+"/deploy", nil, nil); err != nil {
		return 0, err
	}
	for {
		r, err := fleet.LastRollout(task)
		if err != nil {
			return 0, err
		}
		switch r.Status {
		case state.RolloutSuccessful:
			return time.Since(start), nil
		case state.RolloutInProgress:
		default:
			return 0, fmt.Errorf("rollout ended %s: %s", r.Status, r.Message)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func waitFleet(ctx context.Context, url, quicAddr string) (*deploymentstest.Fleet, error) {
	for {
		f, err := deploymentstest.NewFleet(url, token, quicAddr)
		if err == nil {
			return f, nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(20 * time.Millisecond):
		}
	}
}
