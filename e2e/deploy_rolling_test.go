package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// Issue 7, must show: a rolling update of a real service on a cluster of
// three real engines while a balancer that follows the API sends requests
// continuously. 1.0.0 -> 2.0.0: no request fails, at least two instances
// are listed at every refresh, versions mix only during the roll and only
// 2.0.0 answers after it. 2.0.0 -> 3.0.0, whose health check fails, with
// rollback: the roll stops at the first engine, the rollout ends
// ROLLED_BACK with the reason, every engine serves 2.0.0 again, the two
// others were never touched, and still no request fails.
func TestDeployRollingUnderTraffic(t *testing.T) {
	f := startDeployFixture(t, "roll", 3, "1s", "5s")
	// progressDeadlineSeconds 10 gives the broken version's engine a 6 s
	// health wait (deadline minus health gate, shutdown delay and a 2 s
	// margin): short, yet a normal step (drain 1 s, stop, start, 1 s
	// healthy) fits well on a loaded machine.
	task := f.serviceTask("orders-api", []string{"1.0.0", "2.0.0", "3.0.0"},
		map[string]map[string]string{"3.0.0": {"broken": "health answers 503"}}, map[string]any{
			"deploymentStrategy": state.StrategyRolling, "minHealthySeconds": 1, "shutdownDelaySeconds": 1,
			"progressDeadlineSeconds": 10, "rollback": true})
	f.deploy(task)
	if r := f.waitRollout(task, 2*time.Minute); r.Status != state.RolloutSuccessful {
		t.Fatalf("first deploy: %+v", r)
	}
	f.waitAll(task, protocol.DeployRunning, "1.0.0", 30*time.Second)

	lb := startBalancer(f, task, "127.0.0.1")
	before := time.Now()
	lb.waitAnswers(t, before, 50)
	lb.watch()

	f.must(f.fleet.SetVersion(task, "2.0.0"))
	rollStart := time.Now()
	f.deploy(task)
	if r := f.waitRollout(task, 2*time.Minute); r.Status != state.RolloutSuccessful {
		t.Fatalf("roll to 2.0.0: %+v", r)
	}
	rollEnd := time.Now()
	updated := f.waitAll(task, protocol.DeployRunning, "2.0.0", 10*time.Second)
	lb.waitAnswers(t, rollEnd, 50)
	during := tally(lb.versions(rollStart, rollEnd))
	if got := tally(lb.versions(time.Time{}, rollStart)); len(got) != 1 || got["1.0.0"] == 0 {
		t.Errorf("before the roll, answers %v; want only 1.0.0", got)
	}
	if got := tally(lb.versions(rollEnd, time.Now())); len(got) != 1 || got["2.0.0"] == 0 {
		t.Errorf("after the roll, answers %v; want only 2.0.0", got)
	}
	if during["1.0.0"] == 0 || during["2.0.0"] == 0 {
		t.Errorf("during the roll, answers %v; want both versions (one engine at a time)", during)
	}

	f.must(f.fleet.SetVersion(task, "3.0.0"))
	brokenStart := time.Now()
	f.deploy(task)
	r := f.waitRollout(task, 2*time.Minute)
	brokenEnd := time.Now()
	// The reason is the engine's failed health check, or, on a machine
	// slow enough that stop and download outlast the margin, the progress
	// deadline naming the engine and where it stood.
	if r.Status != state.RolloutRolledBack || !strings.Contains(r.Message, "rolling back to 2.0.0") ||
		!(strings.Contains(r.Message, `version 3.0.0 failed on engine "roll-1"`) || strings.Contains(r.Message, `passed on engine "roll-1" (3.0.0`)) {
		t.Fatalf("broken 3.0.0: rollout %+v; want ROLLED_BACK with the failure on roll-1", r)
	}
	restored := f.waitAll(task, protocol.DeployRunning, "2.0.0", 30*time.Second)
	for i := 1; i < 3; i++ {
		if restored[i].DeploymentID != updated[i].DeploymentID {
			t.Errorf("%s was redeployed (%s -> %s): the roll should have stopped at roll-1", restored[i].EngineName, updated[i].DeploymentID, restored[i].DeploymentID)
		}
	}
	var hist []deploymentstest.Deployment
	f.must(f.fleet.API.Do("GET", tasksPath+task+"/deployments/history", nil, &hist))
	var broken []string
	for _, h := range hist {
		if h.ArtifactVersion == "3.0.0" {
			broken = append(broken, h.EngineName)
		}
	}
	if len(broken) != 1 || broken[0] != "roll-1" {
		t.Errorf("3.0.0 records in the history on %v; want one, on roll-1", broken)
	}
	lb.waitAnswers(t, brokenEnd, 50)
	if got := tally(lb.versions(brokenStart, time.Now())); len(got) != 1 || got["2.0.0"] == 0 {
		t.Errorf("while 3.0.0 failed and rolled back, answers %v; want only 2.0.0", got)
	}

	lb.close()
	sent, failed, first := lb.counts()
	minServing, maxAge := lb.serving()
	t.Logf("requests %d, failed %d; roll 1.0.0->2.0.0 %s (answers during it %v); broken 3.0.0 roll and rollback %s (%s); fewest instances listed %d; longest list refresh %s",
		sent, failed, rollEnd.Sub(rollStart).Round(time.Millisecond), during, brokenEnd.Sub(brokenStart).Round(time.Millisecond), r.Message, minServing, maxAge.Round(time.Millisecond))
	if failed != 0 {
		t.Errorf("%d of %d requests failed, first: %v", failed, sent, first)
	}
	if minServing < 2 {
		t.Errorf("at one refresh only %d instances were RUNNING and healthy; want at least 2 throughout", minServing)
	}
	f.undeployAll(task)
}
