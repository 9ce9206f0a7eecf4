package deployments_test

import (
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

func TestProgressDeadlineFailsTheStep(t *testing.T) {
	f := start(t)
	clusterID, engines := f.cluster(t, "slow", 2)
	task := f.task(t, "orders-api", []string{"1.0.0"}, rollingConfig(clusterID, map[string]any{"progressDeadlineSeconds": 2}))
	engines[0].SetStepDelay(5 * time.Second) // never ready in time
	f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
	r := f.rollout(t, task)
	if r.Status != state.RolloutFailed || !strings.Contains(r.Message, `progress deadline of 2s passed on engine "slow-1"`) {
		t.Fatalf("rollout %+v", r)
	}
	for _, d := range f.deployments(t, task) {
		if d.EngineName == "slow-2" && d.Status != protocol.DeployNeverDeployed {
			t.Fatalf("the roll went on past the failed step: %+v", d)
		}
	}
}

func TestEngineLostMidRollFailsTheStep(t *testing.T) {
	cases := []struct {
		name string
		lose func(f *fixture, clusterID string, e *deploymentstest.Engine) error
		want string
	}{
		{"dies", func(_ *fixture, _ string, e *deploymentstest.Engine) error { e.Stop(); return nil }, `engine "lost-2" became NOT_AVAILABLE`},
		{"leaves the cluster", func(f *fixture, clusterID string, e *deploymentstest.Engine) error {
			return f.fleet.API.Do("DELETE", "/processing/runtimes/remote-engine-clusters/"+clusterID+"/engines/"+e.ID, nil, nil)
		}, `engine "lost-2" left the cluster`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := start(t)
			clusterID, engines := f.cluster(t, "lost", 3)
			task := f.task(t, "orders-api", []string{"1.0.0"}, rollingConfig(clusterID, map[string]any{"minHealthySeconds": 2, "progressDeadlineSeconds": 20}))
			f.c.Must(t, 202, "POST", tasksPath+task+"/deploy", nil, nil)
			// While the first engine is in its health wait, the second goes.
			if err := deploymentstest.WaitFor(f.ctx, "first engine running", func() (bool, error) {
				list, err := f.fleet.Deployments(task)
				return err == nil && list[0].Status == protocol.DeployRunning, err
			}); err != nil {
				t.Fatal(err)
			}
			if err := c.lose(f, clusterID, engines[1]); err != nil {
				t.Fatal(err)
			}
			r := f.rollout(t, task)
			if r.Status != state.RolloutFailed || !strings.Contains(r.Message, c.want) {
				t.Fatalf("rollout %+v, want a failure saying %s", r, c.want)
			}
		})
	}
}
