package deployments_test

import (
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

func TestDeployPreconditionsAreRefusedWithTheReason(t *testing.T) {
	f := start(t)
	// A cluster whose engines run two agent versions.
	a := f.engine(t, "mixed-a", "2.13.0")
	b := f.engine(t, "mixed-b", "2.12.4")
	mixed, err := f.fleet.AddCluster("mixed", a, b)
	if err != nil {
		t.Fatal(err)
	}
	mixedTask := f.task(t, "mixed-api", []string{"1.0.0"}, rollingConfig(mixed, nil))
	// A single engine without a service run profile, and one that dies.
	bare := f.engine(t, "bare", "2.13.0")
	bareTask := f.task(t, "bare-api", []string{"1.0.0"}, map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": bare.ID}})
	gone := f.engine(t, "gone", "2.13.0")
	if err := f.fleet.AddEngineProfile(gone.ID, state.RunProfileMicroservice); err != nil {
		t.Fatal(err)
	}
	goneTask := f.task(t, "gone-api", []string{"1.0.0"}, map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": gone.ID}})
	gone.Stop()
	if err := f.fleet.WaitEngine(f.ctx, gone.ID, func(v deploymentstest.EngineView) bool { return v.Availability == state.EngineNotAvailable }); err != nil {
		t.Fatal(err)
	}
	// Two tasks wanting one custom port on one engine.
	solo := f.engine(t, "solo", "2.13.0")
	if err := f.fleet.AddEngineProfile(solo.ID, state.RunProfileMicroservice); err != nil {
		t.Fatal(err)
	}
	custom := map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": solo.ID},
		"port": map[string]any{"type": "CUSTOM", "value": 8088}, "minHealthySeconds": 1}
	first := f.task(t, "first-api", []string{"1.0.0"}, custom)
	second := f.task(t, "second-api", []string{"1.0.0"}, custom)
	f.c.Must(t, 202, "POST", tasksPath+first+"/deploy", nil, nil)
	if got := f.waitAll(t, first, protocol.DeployRunning, "1.0.0"); got[0].Port != 8088 {
		t.Fatalf("custom port not used: %+v", got[0])
	}
	// A job task.
	job := f.jobTask(t)

	cases := []struct {
		name   string
		task   string
		body   any
		status int
		want   string
	}{
		{"mixed-version cluster", mixedTask, nil, 409, "must all run one agent version: mixed-a at 2.13.0; mixed-b at 2.12.4"},
		{"no run profile", bareTask, nil, 409, `engine "bare" has no MICROSERVICE run profile`},
		{"unavailable engine", goneTask, nil, 409, `engine "gone" is NOT_AVAILABLE`},
		{"custom port taken", second, nil, 409, `port 8088 is taken on engine "solo" by task "first-api"`},
		{"job task", job, nil, 400, "only route and data-service tasks are deployed"},
		{"engine outside the cluster", mixedTask, map[string]any{"engineId": solo.ID}, 400, "is not in engine cluster"},
		{"unknown field", first, map[string]any{"engine": "x"}, 400, "engine"},
	}
	for _, c := range cases {
		e := f.c.MustFail(t, c.status, "POST", tasksPath+c.task+"/deploy", c.body)
		if !strings.Contains(e.Message, c.want) {
			t.Errorf("%s: %q lacks %q", c.name, e.Message, c.want)
		}
	}
	// Nothing was recorded for the refused deploys.
	for _, task := range []string{mixedTask, bareTask, goneTask, second} {
		for _, d := range f.deployments(t, task) {
			if d.Status != protocol.DeployNeverDeployed {
				t.Fatalf("refused deploy left %+v", d)
			}
		}
	}
	f.c.MustFail(t, 400, "GET", tasksPath+job+"/deployments", nil)
	// A deployed task cannot be deleted.
	f.c.MustFail(t, 409, "DELETE", tasksPath+first, nil)
}
