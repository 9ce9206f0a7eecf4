package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

// TestEnginePartitionedAway runs a control-plane node and two engines on
// three network hosts and cuts one engine's host off while its job runs:
// it becomes NOT_AVAILABLE after the heartbeat timeout, the engine that
// kept talking is never marked down, and once the link heals the cut-off
// engine reports what its job did, exactly once.
func TestEnginePartitionedAway(t *testing.T) {
	if ok, why := harness.CanPartition(); !ok {
		t.Skip("namespace partition test skipped: " + why)
	}
	net := harness.NewNet(t, 3)
	base := t.TempDir()
	node := harness.StartNode(t, bins, "cp", filepath.Join(base, "cp"), harness.NodeOptions{Token: testToken, Net: net, Host: 1,
		Args: []string{"--engine-heartbeat-interval", "1s", "--engine-heartbeat-timeout", "3s"}})
	node.WaitReady(t, testToken, 15*time.Second)
	c := &engCluster{t: t, http: node.HTTPAddr, quic: node.QUICAddr, token: testToken, agent: bins.Engine}
	var envs []struct{ ID string }
	if err := harness.NewClient(node.HTTPAddr, testToken).JSON("GET", "/orchestration/environments?name=default", nil, &envs); err != nil || len(envs) != 1 {
		t.Fatalf("default environment: %v", err)
	}
	c.environmentID = envs[0].ID
	c.grantShared()

	startEngine := func(name string, host int) (string, string) {
		e := c.createEngine(name, 0)
		dir := filepath.Join(shortTempDir(t), name)
		bin, args := net.Wrap(host, bins.Engine, "pair", "--server", node.QUICAddr, "--key", e.PreAuthorizedKey, "--data-dir", dir)
		pair := harness.Start(t, "pair "+name, bin, nil, args...)
		harness.WaitFor(t, "pairing "+name, 20*time.Second, pair.Exited)
		if pair.ExitCode() != 0 {
			t.Fatalf("pair %s: exit %d: %s", name, pair.ExitCode(), pair.Output())
		}
		bin, args = net.Wrap(host, bins.Engine, "run", "--data-dir", dir, "--log-level", "warn")
		harness.Start(t, "engine "+name, bin, nil, args...)
		return e.ID, dir
	}
	cutID, _ := startEngine("cut", 2)
	talkingID, _ := startEngine("talking", 3)
	harness.WaitFor(t, "both engines AVAILABLE", 15*time.Second, func() bool {
		return c.engine(cutID).Availability == "AVAILABLE" && c.engine(talkingID).Availability == "AVAILABLE"
	})

	task := c.publishHelloJob("partitioned")
	c.configure(task, "REMOTE_ENGINE", cutID, 0)
	shared := shortTempDir(t) // the job writes here; every namespace sees the same filesystem
	runs, done := filepath.Join(shared, "runs"), filepath.Join(shared, "done")
	id := c.execute(task, map[string]string{"SLEEP": "5", "MARK": "x", "RUNS_FILE": runs, "DONE_FILE": done})
	c.waitStatus(id, "STARTING_FLOW_EXECUTION", 15*time.Second)

	// Watch the talking engine the whole time: it must never go down.
	stop := make(chan struct{})
	falseAlarm := make(chan string, 1)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if a := c.engine(talkingID).Availability; a != "" && a != "AVAILABLE" {
					select {
					case falseAlarm <- a:
					default:
					}
				}
			}
		}
	}()
	net.Cut(2, 1)
	cutAt := time.Now()
	harness.WaitFor(t, "the cut-off engine NOT_AVAILABLE", 10*time.Second, func() bool {
		return c.engine(cutID).Availability == "NOT_AVAILABLE"
	})
	t.Logf("cut-off engine NOT_AVAILABLE %s after the cut (timeout 3 s)", time.Since(cutAt))
	harness.WaitFor(t, "the job finished behind the partition", 20*time.Second, func() bool {
		_, err := os.Stat(done)
		return err == nil
	})
	if v := c.execution(id); v.ExecutionStatus != "STARTING_FLOW_EXECUTION" {
		t.Fatalf("while the engine was cut off its execution became %s", v.ExecutionStatus)
	}
	net.Heal(2)
	c.waitStatus(id, "EXECUTION_SUCCESS", 30*time.Second)
	harness.WaitFor(t, "the engine AVAILABLE again", 15*time.Second, func() bool {
		return c.engine(cutID).Availability == "AVAILABLE"
	})
	close(stop)
	select {
	case a := <-falseAlarm:
		t.Fatalf("the engine that kept talking was marked %s", a)
	default:
	}
	if b, _ := os.ReadFile(runs); strings.Count(string(b), "x") != 1 {
		t.Fatalf("the job ran %d times, want once", strings.Count(string(b), "x"))
	}
}
