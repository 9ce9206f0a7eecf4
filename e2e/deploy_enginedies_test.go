package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// Issue 9, scenario 6: a rolling deployment while one engine of the
// cluster (the second, die-2) dies in the middle of its step, under
// traffic from a balancer following the API. "Dies" is tested both ways:
// its agent is killed -9 (its services live on, as across any agent
// restart), or its whole host dies (the agent and every workload process,
// -9); and at two moments: as its step begins (the old instance draining)
// and while its new version starts (a service that takes 3 s to listen).
//
// Each time the roll does not hang: the engine goes NOT_AVAILABLE after
// the heartbeat timeout and the step fails at once with that reason, long
// before the progress deadline (60 s); die-1 (rolled) and die-3 (not
// reached) keep their records (nothing acknowledged is lost) and serve;
// no request fails. When die-2 comes back its agent reports what it runs
// and the control plane reconciles; a new deploy then rolls the cluster
// to the current version.
func TestDeployRollingWhileEngineDies(t *testing.T) {
	f := startDeployFixture(t, "die", 3, "1s", "3s")
	slow := map[string]string{"start-delay": "3s"}
	task := f.serviceTask("stock-api", []string{"1.0.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0"}, map[string]map[string]string{"4.0.0": slow, "5.0.0": slow},
		map[string]any{"deploymentStrategy": state.StrategyRolling, "minHealthySeconds": 1, "shutdownDelaySeconds": 1, "progressDeadlineSeconds": 60})
	f.deploy(task)
	if r := f.waitRollout(task, 2*time.Minute); r.Status != state.RolloutSuccessful {
		t.Fatalf("first deploy: %+v", r)
	}
	f.waitAll(task, protocol.DeployRunning, "1.0.0", 30*time.Second)
	lb := startBalancer(f, task, "127.0.0.1")
	lb.waitAnswers(t, time.Now(), 20)

	victim := f.engines[1]
	agentDies := func() { victim.proc.kill9() }
	hostDies := func() {
		victim.proc.kill9()
		for _, pid := range engineProcesses(victim.dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	draining := func(from, _ string) func(d deploymentstest.Deployment) bool {
		return func(d deploymentstest.Deployment) bool {
			return d.Status == protocol.DeployUndeploying && d.ArtifactVersion == from
		}
	}
	starting := func(_, to string) func(d deploymentstest.Deployment) bool {
		return func(d deploymentstest.Deployment) bool {
			return d.Status == protocol.DeployDeploying && d.SubStatus == protocol.SubStarting && d.ArtifactVersion == to
		}
	}
	// What die-2 shows once back: the drained instance stopped; the
	// instance caught starting finished by the new agent (agent death)
	// or reported failed (host death).
	stopped := func(d deploymentstest.Deployment) bool {
		return (d.Status == protocol.DeployUndeployed || d.Status == protocol.DeployFailed) && len(workloadProcesses(victim.dir)) == 0
	}
	for _, c := range []struct {
		name     string
		from, to string
		at       func(from, to string) func(deploymentstest.Deployment) bool
		die      func()
		back     func(deploymentstest.Deployment) bool
	}{
		{"agent killed as the step begins", "1.0.0", "2.0.0", draining, agentDies, stopped},
		{"host dies as the step begins", "2.0.0", "3.0.0", draining, hostDies, stopped},
		// The new agent finishes the start (RUNNING), or, killed before
		// the runtime recorded the plugin it was spawning, fails it with
		// nothing of it left (README: "finished or failed").
		{"agent killed while the new version starts", "3.0.0", "4.0.0", starting, agentDies, func(d deploymentstest.Deployment) bool {
			return d.Status == protocol.DeployRunning && d.Healthy && d.ArtifactVersion == "4.0.0" ||
				d.Status == protocol.DeployFailed && len(workloadProcesses(victim.dir)) == 0
		}},
		{"host dies while the new version starts", "4.0.0", "5.0.0", starting, hostDies, func(d deploymentstest.Deployment) bool {
			return d.Status == protocol.DeployFailed && len(workloadProcesses(victim.dir)) == 0
		}},
	} {
		f.rollWhileDying(lb, task, c.name, c.from, c.to, c.at(c.from, c.to), c.die, c.back)
	}

	lb.close()
	sent, failed, first := lb.counts()
	t.Logf("requests %d, failed %d", sent, failed)
	if failed != 0 {
		t.Errorf("%d of %d requests failed, first: %v", failed, sent, first)
	}
	f.undeployAll(task)
}

// rollWhileDying rolls task from version from to version to, runs die
// once die-2's record satisfies at, checks the step fails on NOT_AVAILABLE
// with the others' records intact, restarts die-2's agent, waits until
// its record satisfies back, and deploys again to finish the roll.
func (f *deployFixture) rollWhileDying(lb *apiBalancer, task, name, from, to string, at func(deploymentstest.Deployment) bool, die func(), back func(deploymentstest.Deployment) bool) {
	t := f.t
	t.Helper()
	victim := f.engines[1]
	f.must(f.fleet.SetVersion(task, to))
	f.deploy(task)
	var before []deploymentstest.Deployment
	engEventually(t, time.Minute, name+": the moment to kill", func() bool {
		before = f.deployments(task)
		return at(before[1])
	})
	seen := time.Now()
	engEventually(t, 10*time.Second, "the balancer saw it", func() bool {
		lb.mu.Lock()
		defer lb.mu.Unlock()
		return lb.refreshed.After(seen)
	})
	die()
	killed := time.Now()
	r := f.waitRollout(task, time.Minute)
	failedAfter := time.Since(killed)
	want := `engine "` + victim.name + `" became NOT_AVAILABLE during the rollout`
	if r.Status != state.RolloutFailed || r.Message != want {
		t.Fatalf("%s (%s -> %s): rollout %+v; want FAILED %q", name, from, to, r, want)
	}
	if failedAfter > 20*time.Second {
		t.Errorf("%s: the step failed %s after the engine died; want about the heartbeat timeout (3 s), far below the deadline", name, failedAfter)
	}
	after := f.deployments(task)
	for _, i := range []int{0, 2} {
		b, a := before[i], after[i]
		if a.DeploymentID != b.DeploymentID || a.Status != protocol.DeployRunning || a.ArtifactVersion != b.ArtifactVersion {
			t.Errorf("%s: %s's record changed while %s died: %+v -> %+v", name, a.EngineName, victim.name, b, a)
		}
	}
	if after[0].ArtifactVersion != to || after[2].ArtifactVersion != from {
		t.Errorf("%s: versions after the failed step %s/%s/%s; want %s on die-1 and %s on die-3", name,
			after[0].ArtifactVersion, after[1].ArtifactVersion, after[2].ArtifactVersion, to, from)
	}

	f.run(victim)
	var shown deploymentstest.Deployment
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if shown = f.deployments(task)[1]; back(shown) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s not reconciled within 30 s: shows %+v; workload processes %v", name, victim.name, shown, describe(workloadProcesses(victim.dir)))
		}
	}
	f.deploy(task)
	if r := f.waitRollout(task, 2*time.Minute); r.Status != state.RolloutSuccessful {
		t.Fatalf("%s: deploy %s again after %s came back (it showed %s %s %q): %+v", name, to, victim.name, shown.Status, shown.ArtifactVersion, shown.Message, r)
	}
	f.waitAll(task, protocol.DeployRunning, to, 30*time.Second)
	t.Logf("%s (%s -> %s): the step failed %s after; back, %s showed %s", name, from, to, failedAfter.Round(time.Millisecond), victim.name,
		fmt.Sprintf("%s %s %q", shown.Status, shown.ArtifactVersion, shown.Message))
}
