package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// Issue 9, scenario 6: a rolling deployment while one engine of the
// cluster dies, in both senses, each time as its step begins (its old
// instance draining), under traffic from a balancer following the API:
//   - its agent is killed -9 (the services live on, as they do across an
//     agent restart);
//   - its whole host dies: the agent and every workload process, -9.
//
// Each time the roll does not hang: the engine goes NOT_AVAILABLE after
// the heartbeat timeout and the step fails at once with that reason, long
// before the progress deadline (60 s); the engines already rolled and the
// ones not reached keep their records (nothing acknowledged is lost) and
// serve; no request fails. When the engine comes back its agent reports
// what it runs and the control plane finishes what it had asked (the
// drained instance is stopped): it runs nothing, and a new deploy rolls
// the cluster to the current version.
func TestDeployRollingWhileEngineDies(t *testing.T) {
	f := startDeployFixture(t, "die", 3, "1s", "3s")
	task := f.serviceTask("stock-api", []string{"1.0.0", "2.0.0", "3.0.0"}, "", map[string]any{
		"deploymentStrategy": state.StrategyRolling, "minHealthySeconds": 1, "shutdownDelaySeconds": 1, "progressDeadlineSeconds": 60})
	f.deploy(task)
	if r := f.waitRollout(task, 2*time.Minute); r.Status != state.RolloutSuccessful {
		t.Fatalf("first deploy: %+v", r)
	}
	f.waitAll(task, protocol.DeployRunning, "1.0.0", 30*time.Second)
	lb := startBalancer(f, task, "127.0.0.1")
	lb.waitAnswers(t, time.Now(), 20)

	victim := f.engines[1]
	f.rollWhileDying(lb, task, "1.0.0", "2.0.0", func() { victim.proc.kill9() })
	f.rollWhileDying(lb, task, "2.0.0", "3.0.0", func() {
		victim.proc.kill9()
		for _, pid := range engineProcesses(victim.dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	lb.close()
	sent, failed, first := lb.counts()
	t.Logf("requests %d, failed %d", sent, failed)
	if failed != 0 {
		t.Errorf("%d of %d requests failed, first: %v", failed, sent, first)
	}
	f.undeployAll(task)
}

// rollWhileDying rolls task from version from to version to and kills
// the second engine (die) as its step begins; see the test above.
func (f *deployFixture) rollWhileDying(lb *apiBalancer, task, from, to string, die func()) {
	t := f.t
	t.Helper()
	victim := f.engines[1]
	f.must(f.fleet.SetVersion(task, to))
	f.deploy(task)
	var before []deploymentstest.Deployment
	engEventually(t, time.Minute, victim.name+" draining "+from, func() bool {
		before = f.deployments(task)
		return before[1].Status == protocol.DeployUndeploying && before[1].ArtifactVersion == from
	})
	seen := time.Now()
	engEventually(t, 10*time.Second, "the balancer saw the drain", func() bool {
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
		t.Fatalf("%s -> %s: rollout %+v; want FAILED %q", from, to, r, want)
	}
	if failedAfter > 20*time.Second {
		t.Errorf("the step failed %s after the engine died; want about the heartbeat timeout (3 s), far below the deadline", failedAfter)
	}
	after := f.deployments(task)
	for _, i := range []int{0, 2} {
		b, a := before[i], after[i]
		if a.DeploymentID != b.DeploymentID || a.Status != protocol.DeployRunning || a.ArtifactVersion != b.ArtifactVersion {
			t.Errorf("%s's record changed while %s died: %+v -> %+v", a.EngineName, victim.name, b, a)
		}
	}
	if after[0].ArtifactVersion != to || after[2].ArtifactVersion != from {
		t.Errorf("versions after the failed step %s/%s/%s; want %s on die-1 and %s on die-3", after[0].ArtifactVersion, after[1].ArtifactVersion, after[2].ArtifactVersion, to, from)
	}

	f.run(victim)
	engEventually(t, 30*time.Second, victim.name+" reconciled: its drained instance stopped", func() bool {
		d := f.deployments(task)[1]
		return (d.Status == protocol.DeployUndeployed || d.Status == protocol.DeployFailed) && len(workloadProcesses(victim.dir)) == 0
	})
	back := f.deployments(task)[1]
	f.deploy(task)
	if r := f.waitRollout(task, 2*time.Minute); r.Status != state.RolloutSuccessful {
		t.Fatalf("deploy %s again after %s came back: %+v", to, victim.name, r)
	}
	f.waitAll(task, protocol.DeployRunning, to, 30*time.Second)
	t.Logf("%s -> %s: step failed %s after %s died (%s); back, it showed %s %q; the new deploy finished the roll",
		from, to, failedAfter.Round(time.Millisecond), victim.name, strings.TrimPrefix(r.Message, "engine "), back.Status, back.Message)
}
