package deployments_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// serving watches which engines serve the task, from the engines' side:
// a load balancer's view of the fleet.
type serving struct {
	mu       sync.Mutex
	up       map[string]string // engine -> version it serves ("" = none)
	worstOut int               // most engines not serving at one moment
}

func watchServing(engines []*deploymentstest.Engine) *serving {
	s := &serving{up: map[string]string{}}
	for _, e := range engines {
		for _, i := range e.Instances() {
			if i.Serving() {
				s.up[e.ID] = i.Version
			}
		}
	}
	for _, e := range engines {
		e.OnChange(func(engineID string, inst deploymentstest.Instance, removed bool) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if inst.Serving() && !removed {
				s.up[engineID] = inst.Version
			} else if s.up[engineID] == inst.Version {
				s.up[engineID] = ""
			}
			out := 0
			for _, e := range engines {
				if s.up[e.ID] == "" {
					out++
				}
			}
			s.worstOut = max(s.worstOut, out)
		})
	}
	return s
}

func (s *serving) worst() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.worstOut
}

func (s *serving) versions() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, v := range s.up {
		out[v]++
	}
	return out
}

// apiWatch polls the task's records until stop and keeps the most
// records not RUNNING at one look.
func (f *fixture) apiWatch(taskID string) (stop func() int) {
	done, result := make(chan struct{}), make(chan int)
	go func() {
		worst := 0
		for {
			select {
			case <-done:
				result <- worst
				return
			case <-time.After(5 * time.Millisecond):
			}
			list, err := f.fleet.Deployments(taskID)
			if err != nil {
				continue
			}
			n := 0
			for _, d := range list {
				if d.Status != protocol.DeployRunning {
					n++
				}
			}
			worst = max(worst, n)
		}
	}()
	return func() int { close(done); return <-result }
}

func TestRollingUpdateGoesOneEngineAtATime(t *testing.T) {
	f := start(t)
	clusterID, engines := f.cluster(t, "blue", 3)
	task := f.task(t, "orders-api", []string{"1.0.0", "2.0.0"}, rollingConfig(clusterID, nil))
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	if r := f.rollout(t, task); r.Status != state.RolloutSuccessful {
		t.Fatalf("first rollout %+v", r)
	}
	f.waitAll(t, task, protocol.DeployRunning, "1.0.0")

	watch := watchServing(engines)
	if err := f.fleet.SetVersion(task, "2.0.0"); err != nil {
		t.Fatal(err)
	}
	stopAPI := f.apiWatch(task)
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	r := f.rollout(t, task)
	worstAPI := stopAPI()
	if r.Status != state.RolloutSuccessful {
		t.Fatalf("rollout %+v", r)
	}
	got := f.waitAll(t, task, protocol.DeployRunning, "2.0.0")
	if watch.worst() > 1 || worstAPI > 1 {
		t.Fatalf("%d engines stopped serving at once (API showed %d not RUNNING); rolling allows one", watch.worst(), worstAPI)
	}
	if v := watch.versions(); v["2.0.0"] != 3 {
		t.Fatalf("after the roll the engines serve %v", v)
	}
	// One at a time, in engine-name order, each after the previous was
	// healthy for minHealthySeconds.
	sort.Slice(got, func(i, j int) bool { return got[i].Start.Before(got[j].Start) })
	for i, d := range got {
		if want := fmt.Sprintf("blue-%d", i+1); d.EngineName != want {
			t.Fatalf("engine order: %d is %s", i, d.EngineName)
		}
		if i > 0 && d.Start.Sub(got[i-1].Start) < time.Second {
			t.Fatalf("%s started %s after %s; the health gate is 1 s", d.EngineName, d.Start.Sub(got[i-1].Start), got[i-1].EngineName)
		}
	}
}

func TestParallelReachesRunningEverywhere(t *testing.T) {
	f := start(t)
	clusterID, engines := f.cluster(t, "green", 3)
	task := f.task(t, "orders-api", []string{"1.0.0", "2.0.0"}, rollingConfig(clusterID, map[string]any{"deploymentStrategy": "PARALLEL"}))
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	f.waitAll(t, task, protocol.DeployRunning, "1.0.0")
	if r := f.rollout(t, task); r.Status != state.RolloutSuccessful {
		t.Fatalf("rollout %+v", r)
	}
	// A new version: every engine is undeployed, then deployed, at once.
	watch := watchServing(engines)
	if err := f.fleet.SetVersion(task, "2.0.0"); err != nil {
		t.Fatal(err)
	}
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	if r := f.rollout(t, task); r.Status != state.RolloutSuccessful {
		t.Fatalf("rollout %+v", r)
	}
	f.waitAll(t, task, protocol.DeployRunning, "2.0.0")
	if w := watch.worst(); w != 3 {
		t.Fatalf("parallel interrupts the service; at worst %d of 3 engines were down", w)
	}
	// Undeploy leaves nothing behind.
	f.c.Must(t, 202, "POST", tasksPath+task+"/undeploy", nil, nil)
	f.waitAll(t, task, protocol.DeployUndeployed, "")
	for _, e := range engines {
		if n := len(e.Instances()); n != 0 {
			t.Fatalf("engine %s still runs %d instance(s)", e.ID, n)
		}
	}
}

func TestFailingVersionStopsTheRoll(t *testing.T) {
	for _, rollback := range []bool{true, false} {
		name := map[bool]string{true: "with rollback", false: "without rollback"}[rollback]
		t.Run(name, func(t *testing.T) {
			f := start(t)
			clusterID, engines := f.cluster(t, "red", 3)
			task := f.task(t, "orders-api", []string{"1.0.0", "2.0.0"}, rollingConfig(clusterID, map[string]any{"rollback": rollback}))
			f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
			f.rollout(t, task)
			f.waitAll(t, task, protocol.DeployRunning, "1.0.0")

			engines[1].FailHealth("2.0.0") // the second engine in the roll
			if err := f.fleet.SetVersion(task, "2.0.0"); err != nil {
				t.Fatal(err)
			}
			f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
			r := f.rollout(t, task)
			if !strings.Contains(r.Message, `version 2.0.0 failed on engine "red-2"`) {
				t.Fatalf("rollout message %q", r.Message)
			}
			if rollback {
				if r.Status != state.RolloutRolledBack {
					t.Fatalf("rollout %+v", r)
				}
				f.waitAll(t, task, protocol.DeployRunning, "1.0.0")
				return
			}
			if r.Status != state.RolloutFailed {
				t.Fatalf("rollout %+v", r)
			}
			byEngine := map[string]deploymentstest.Deployment{}
			for _, d := range f.deployments(t, task) {
				byEngine[d.EngineName] = d
			}
			if d := byEngine["red-1"]; d.Status != protocol.DeployRunning || d.ArtifactVersion != "2.0.0" {
				t.Fatalf("red-1: %+v", d)
			}
			if d := byEngine["red-2"]; d.Status != protocol.DeployFailed || d.SubStatus != protocol.SubDeployFailed {
				t.Fatalf("red-2: %+v", d)
			}
			if d := byEngine["red-3"]; d.Status != protocol.DeployRunning || d.ArtifactVersion != "1.0.0" {
				t.Fatalf("red-3 was touched after the failure: %+v", d)
			}
		})
	}
}
