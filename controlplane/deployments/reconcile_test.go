package deployments_test

import (
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

func TestReturningEngineIsReconciled(t *testing.T) {
	f := start(t)
	clusterID, engines := f.cluster(t, "back", 2)
	task := f.task(t, "orders-api", []string{"1.0.0"}, rollingConfig(clusterID, nil))
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	before := f.waitAll(t, task, protocol.DeployRunning, "1.0.0")

	// The second engine's host reboots: it lost its instance, and a stray
	// one of an old deployment came back from somewhere.
	e := engines[1]
	e.Stop()
	e.Forget()
	e.Adopt(deploymentstest.Instance{DeploymentID: "stray", TaskID: task, Version: "0.9.0",
		Status: protocol.DeployRunning, SubStatus: protocol.SubExecuting, Healthy: true, Port: 5999})
	e.Start()

	if err := deploymentstest.WaitFor(f.ctx, "engine back in step", func() (bool, error) {
		inst := e.Instances()
		return len(inst) == 1 && inst[0].Version == "1.0.0" && inst[0].Serving(), nil
	}); err != nil {
		t.Fatalf("%v: engine runs %+v", err, e.Instances())
	}
	if e.Received(protocol.TypeUndeploy) == 0 {
		t.Fatal("the stray instance was not undeployed")
	}
	after := f.waitAll(t, task, protocol.DeployRunning, "1.0.0")
	if after[1].DeploymentID != before[1].DeploymentID {
		t.Fatalf("the returning engine got a new deployment %s, want the current %s again", after[1].DeploymentID, before[1].DeploymentID)
	}
}

func TestStaleReportsAreIgnoredAndMetricsKept(t *testing.T) {
	f := start(t, func(c *controlplane.Config) { c.Deployments.MetricsStaleAfter = 500 * time.Millisecond })
	e := f.engine(t, "solo", "2.13.0")
	if err := f.fleet.AddEngineProfile(e.ID, state.RunProfileMicroservice); err != nil {
		t.Fatal(err)
	}
	task := f.task(t, "orders-api", []string{"1.0.0", "1.1.0"}, map[string]any{
		"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": e.ID}, "shutdownDelaySeconds": 0, "minHealthySeconds": 1})
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	old := f.waitAll(t, task, protocol.DeployRunning, "1.0.0")[0]
	f.c.Must(t, 202, "POST", tasksPath+task+"/undeploy", nil, nil)
	f.waitAll(t, task, protocol.DeployUndeployed, "1.0.0")
	if err := f.fleet.SetVersion(task, "1.1.0"); err != nil {
		t.Fatal(err)
	}
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	cur := f.waitAll(t, task, protocol.DeployRunning, "1.1.0")[0]

	// No metrics yet for longer than the limit: flagged stale.
	if err := deploymentstest.WaitFor(f.ctx, "metrics stale", func() (bool, error) {
		list, err := f.fleet.Deployments(task)
		return err == nil && list[0].MetricsStale, err
	}); err != nil {
		t.Fatal(err)
	}
	// A late status of the old deployment changes nothing; metrics of the
	// current one are kept (and, sent after it, prove it was processed).
	if err := e.SendStatus(&protocol.DeploymentStatus{DeploymentID: old.DeploymentID, TaskID: task, Status: protocol.DeployFailed,
		SubStatus: protocol.SubExecutionFailed, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := e.SendMetrics(&protocol.DeploymentMetrics{DeploymentID: cur.DeploymentID, TaskID: task, Time: time.Now(), Healthy: true,
		RequestsLastMinute: 3, RequestsTotal: 42}); err != nil {
		t.Fatal(err)
	}
	var got deploymentstest.Deployment
	if err := deploymentstest.WaitFor(f.ctx, "metrics stored", func() (bool, error) {
		list, err := f.fleet.Deployments(task)
		if err == nil {
			got = list[0]
		}
		return err == nil && got.Metrics != nil, err
	}); err != nil {
		t.Fatal(err)
	}
	if got.Status != protocol.DeployRunning || got.DeploymentID != cur.DeploymentID || got.Metrics.RequestsTotal != 42 || got.MetricsStale {
		t.Fatalf("after a stale report and fresh metrics: %+v", got)
	}
}

// An engine that goes silent has its instances shown not healthy (status
// kept: they may still run), so a balancer following the API stops sending
// to them; its next report after it returns shows them healthy again.
func TestSilentEngineInstancesAreShownNotHealthy(t *testing.T) {
	f := start(t)
	clusterID, engines := f.cluster(t, "quiet", 2)
	task := f.task(t, "orders-api", []string{"1.0.0"}, rollingConfig(clusterID, nil))
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	f.waitAll(t, task, protocol.DeployRunning, "1.0.0")

	silent := engines[1]
	silent.Stop()
	record := func(engineID string) (deploymentstest.Deployment, error) {
		got, err := f.fleet.Deployments(task)
		for _, d := range got {
			if d.EngineID == engineID {
				return d, err
			}
		}
		return deploymentstest.Deployment{}, err
	}
	if err := deploymentstest.WaitFor(f.ctx, "silent engine's instance shown not healthy", func() (bool, error) {
		d, err := record(silent.ID)
		return !d.Healthy && d.Status == protocol.DeployRunning && d.Message == state.EngineSilentMessage, err
	}); err != nil {
		t.Fatal(err)
	}
	if d, err := record(engines[0].ID); err != nil || !d.Healthy {
		t.Fatalf("the engine that kept talking: %+v, %v", d, err)
	}
	silent.Start()
	if err := deploymentstest.WaitFor(f.ctx, "returned engine's instance healthy again", func() (bool, error) {
		d, err := record(silent.ID)
		return d.Healthy && d.Status == protocol.DeployRunning, err
	}); err != nil {
		t.Fatal(err)
	}
}
