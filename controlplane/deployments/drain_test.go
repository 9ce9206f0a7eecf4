package deployments_test

import (
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// TestShutdownDelayShowsUndeployingBeforeTheStop: load balancers that
// follow the API see UNDEPLOYING while the instance still serves, for
// shutdownDelaySeconds, before the engine is asked to stop it.
func TestShutdownDelayShowsUndeployingBeforeTheStop(t *testing.T) {
	f := start(t)
	e := f.engine(t, "solo", "2.13.0")
	if err := f.fleet.AddEngineProfile(e.ID, state.RunProfileMicroservice); err != nil {
		t.Fatal(err)
	}
	task := f.task(t, "orders-api", []string{"1.0.0"}, map[string]any{
		"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": e.ID}, "shutdownDelaySeconds": 1, "minHealthySeconds": 1})
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	f.waitAll(t, task, protocol.DeployRunning, "1.0.0")

	asked := time.Now()
	f.c.Must(t, 202, "POST", tasksPath+task+"/undeploy", nil, nil)
	got := f.deployments(t, task)[0]
	if got.Status != protocol.DeployUndeploying || got.SubStatus != protocol.SubSendingUndeploy {
		t.Fatalf("right after the undeploy: %+v", got)
	}
	if inst := e.Instances(); len(inst) != 1 || !inst[0].Serving() {
		t.Fatalf("the instance stopped serving before its shutdown delay: %+v", inst)
	}
	if err := deploymentstest.WaitFor(f.ctx, "undeploy sent", func() (bool, error) {
		return e.Received(protocol.TypeUndeploy) > 0, nil
	}); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(asked); waited < time.Second {
		t.Fatalf("the undeploy went to the engine after %s; the shutdown delay is 1 s", waited)
	}
	f.waitAll(t, task, protocol.DeployUndeployed, "1.0.0")
}

// TestDeployOneEngineOfACluster: a deploy with engineId touches that
// engine only (Deploy next to one deployment instance).
func TestDeployOneEngineOfACluster(t *testing.T) {
	f := start(t)
	clusterID, engines := f.cluster(t, "pick", 2)
	task := f.task(t, "orders-api", []string{"1.0.0"}, rollingConfig(clusterID, nil))
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", map[string]string{"engineId": engines[1].ID}, nil)
	if r := f.rollout(t, task); r.Status != state.RolloutSuccessful {
		t.Fatalf("rollout %+v", r)
	}
	got := f.deployments(t, task)
	if got[0].Status != protocol.DeployNeverDeployed || got[1].Status != protocol.DeployRunning || got[1].EngineID != engines[1].ID {
		t.Fatalf("deployments %+v", got)
	}
	if n := len(engines[0].Instances()); n != 0 {
		t.Fatalf("the other engine runs %d instance(s)", n)
	}
}
