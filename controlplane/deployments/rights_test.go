package deployments_test

import (
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

func TestDeploymentRights(t *testing.T) {
	f := start(t)
	e := f.engine(t, "solo", "2.13.0")
	task := f.task(t, "orders-api", []string{"1.0.0"}, map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": e.ID}})
	cases := []struct {
		grant              []string
		read, deploy, undo int
	}{
		{nil, 403, 403, 403},
		{[]string{state.WsView}, 200, 403, 403},
		// EXECUTE passes the rights; the engine lacks a run profile (409), and
		// there is nothing to undeploy (202).
		{[]string{state.WsView, state.WsExecute}, 200, 409, 202},
	}
	for _, c2 := range cases {
		u := f.srv.NewUser(t, state.PermOperator)
		if c2.grant != nil {
			f.srv.Grant(t, f.fleet.Workspace, u.ID, c2.grant...)
		}
		c := f.srv.Client(u.Token)
		for _, call := range []struct {
			method, path string
			want         int
		}{
			{"GET", tasksPath + task + "/deployments", c2.read},
			{"GET", tasksPath + task + "/deployments/history", c2.read},
			{"GET", tasksPath + task + "/rollouts", c2.read},
			{"POST", tasksPath + task + "/deploy", c2.deploy},
			{"POST", tasksPath + task + "/undeploy", c2.undo},
		} {
			if status, body, err := c.Do(call.method, call.path, nil); err != nil || status != call.want {
				t.Errorf("with %v: %s %s = %d %s, want %d", c2.grant, call.method, call.path, status, body, call.want)
			}
		}
	}
}
