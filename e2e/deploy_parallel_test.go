package e2e

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/e2e/harness"
	"github.com/roundhouse/roundhouse/protocol"
)

// Issue 7: a PARALLEL deploy on a cluster of three real engines, each on
// a host of its own, starts every engine in one step and reaches RUNNING
// on all three, each instance answering on its host; undeploy leaves no
// process of the service or its plugin behind and frees every port.
//
// It needs network namespaces: three engines on one host share the
// automatic port range and, started at the same moment, can pick the
// same free port (the second listen fails), which real engines on their
// own hosts never do.
func TestDeployParallelAndUndeploy(t *testing.T) {
	if ok, why := harness.CanNetns(); !ok {
		t.Skip("parallel deploy test skipped (needs an engine per network host): " + why)
	}
	f := startDeployFixtureNet(t, "par", 3)
	task := f.serviceTask("search-api", []string{"1.0.0"}, nil, map[string]any{"deploymentStrategy": state.StrategyParallel,
		"minHealthySeconds": 1, "shutdownDelaySeconds": 1, "progressDeadlineSeconds": 60})
	start := time.Now()
	f.deploy(task)
	if r := f.waitRollout(task, 2*time.Minute); r.Status != state.RolloutSuccessful {
		t.Fatalf("parallel deploy: %+v", r)
	}
	took := time.Since(start)
	recs := f.waitAll(task, protocol.DeployRunning, "1.0.0", 10*time.Second)
	for _, d := range recs {
		e := f.byID(d.EngineID)
		if !d.Start.Equal(recs[0].Start) {
			t.Errorf("%s deployed at %s, %s at %s: want one step for all", d.EngineName, d.Start, recs[0].EngineName, recs[0].Start)
		}
		if body, err := httpGetAt(e.addr, d.Port); err != nil || body != "1.0.0" {
			t.Errorf("%s's instance at %s:%d answered %q, %v", d.EngineName, e.addr, d.Port, body, err)
		}
		if n := len(workloadProcesses(e.dir)); n != 2 {
			t.Errorf("%s runs %d workload processes, want 2 (plugin and service): %v", d.EngineName, n, describe(workloadProcesses(e.dir)))
		}
	}
	t.Logf("parallel deploy on 3 engines: rollout successful after %s", took.Round(time.Millisecond))

	f.undeployAll(task)
	for _, d := range recs {
		e := f.byID(d.EngineID)
		if left := workloadProcesses(e.dir); len(left) != 0 {
			t.Errorf("after the undeploy %s still runs processes %v", d.EngineName, describe(left))
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(e.addr, strconv.Itoa(d.Port)), time.Second); err == nil {
			c.Close()
			t.Errorf("after the undeploy something still listens on %s:%d", e.addr, d.Port)
		}
	}
}
