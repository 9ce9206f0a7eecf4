package deployments_test

import (
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

func TestSingleNodeDeployAndUndeploy(t *testing.T) {
	f := start(t)
	e := f.engine(t, "solo", "2.13.0")
	if err := f.fleet.AddEngineProfile(e.ID, state.RunProfileMicroservice); err != nil {
		t.Fatal(err)
	}
	task := f.task(t, "orders-api", []string{"1.0.0", "1.1.0"}, map[string]any{
		"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": e.ID}, "shutdownDelaySeconds": 0, "minHealthySeconds": 1})

	got := f.deployments(t, task)
	if len(got) != 1 || got[0].Status != protocol.DeployNeverDeployed || got[0].EngineID != e.ID {
		t.Fatalf("before any deploy: %+v", got)
	}
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	got = f.waitAll(t, task, protocol.DeployRunning, "1.0.0")
	d := got[0]
	if d.SubStatus != protocol.SubExecuting || !d.Healthy || d.Port == 0 || d.DeployedBy == "" || d.Start.IsZero() || d.EngineName != "solo" {
		t.Fatalf("running record: %+v", d)
	}
	if r := f.rollout(t, task); r.Status != state.RolloutSuccessful || r.ProgressDeadlineSeconds != state.DefaultProgressDeadlineSeconds {
		t.Fatalf("rollout %+v (want the default deadline in seconds)", r)
	}

	// Single node: a new version needs an undeploy first.
	if err := f.fleet.SetVersion(task, "1.1.0"); err != nil {
		t.Fatal(err)
	}
	e409 := f.c.MustFail(t, 409, "POST", tasksPath+task+"/deploy", nil)
	if !strings.Contains(e409.Message, "undeploy it before deploying again") {
		t.Fatalf("redeploy refusal: %q", e409.Message)
	}

	f.c.Must(t, 202, "POST", tasksPath+task+"/undeploy", nil, nil)
	got = f.waitAll(t, task, protocol.DeployUndeployed, "1.0.0")
	if got[0].SubStatus != protocol.SubUndeployed || got[0].Stop.IsZero() {
		t.Fatalf("undeployed record: %+v", got[0])
	}
	if n := len(e.Instances()); n != 0 {
		t.Fatalf("engine still runs %d instance(s) after undeploy", n)
	}

	// Now the new version deploys; the old record is history.
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	f.waitAll(t, task, protocol.DeployRunning, "1.1.0")
	var hist []map[string]any
	f.c.Must(t, 200, "GET", tasksPath+task+"/deployments/history", nil, &hist)
	if len(hist) != 1 || hist[0]["artifactVersion"] != "1.0.0" || hist[0]["status"] != protocol.DeployUndeployed {
		t.Fatalf("history: %+v", hist)
	}
	if inst := e.Instances(); len(inst) != 1 || inst[0].Version != "1.1.0" {
		t.Fatalf("engine runs %+v", inst)
	}
}

// An engine that runs a deployment cannot be deleted (the instance would
// be left without an owner); once undeployed it can, and its record moves
// to the task's history instead of naming an engine that is gone.
func TestEngineWithADeploymentIsNotDeleted(t *testing.T) {
	f := start(t)
	e := f.engine(t, "doomed", "2.13.0")
	if err := f.fleet.AddEngineProfile(e.ID, state.RunProfileMicroservice); err != nil {
		t.Fatal(err)
	}
	task := f.task(t, "short-lived", []string{"1.0.0"}, map[string]any{
		"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": e.ID}, "shutdownDelaySeconds": 0, "minHealthySeconds": 1})
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	f.waitAll(t, task, protocol.DeployRunning, "1.0.0")

	const enginePath = "/processing/runtimes/remote-engines/"
	if e409 := f.c.MustFail(t, 409, "DELETE", enginePath+e.ID, nil); !strings.Contains(e409.Message, "undeploy it first") {
		t.Fatalf("delete refusal: %q", e409.Message)
	}
	f.c.Must(t, 202, "POST", tasksPath+task+"/undeploy", nil, nil)
	f.waitAll(t, task, protocol.DeployUndeployed, "1.0.0")
	f.c.Must(t, 204, "DELETE", enginePath+e.ID, nil, nil)

	var hist []map[string]any
	f.c.Must(t, 200, "GET", tasksPath+task+"/deployments/history", nil, &hist)
	if len(hist) != 1 || hist[0]["engineId"] != e.ID || hist[0]["status"] != protocol.DeployUndeployed {
		t.Fatalf("history after the engine's deletion: %+v", hist)
	}
}
