package plans_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// A user with the Operator permission but no right on the workspace gets
// 403 from every schedule, webhook and plan endpoint, naming the right it
// lacks; granting that right opens exactly those endpoints.
func TestScheduleAndPlanEndpointsCheckTheWorkspaceRights(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	f := start(t, func(string) bool { return failing.Load() })
	task := f.task("guarded", true)
	var plan state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "guarded", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "Only", "taskIds": []string{task}}}}, &plan)
	var run state.PlanExecutionStarted
	f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, &run)
	f.waitPlan(run.ExecutionID)

	u := f.srv.NewUser(t, state.PermOperator)
	c := f.srv.Client(u.Token)
	today := time.Now().UTC().Format("2006-01-02")
	sched := map[string]any{"triggers": []map[string]any{{"type": "CRON", "startDate": today, "expression": "0 9 * * ?"}}}
	hook := map[string]any{"windowThreshold": 1, "windowDuration": 30}
	type call struct {
		method, path string
		body         any
	}
	byRight := map[string][]call{
		state.WsView: {
			{"GET", "/orchestration/executables/tasks/" + task + "/schedule", nil},
			{"GET", "/orchestration/executables/plans/" + plan.ID + "/schedule", nil},
		},
		state.WsExecute: {
			{"PUT", "/orchestration/executables/tasks/" + task + "/schedule", sched},
			{"DELETE", "/orchestration/executables/tasks/" + task + "/schedule", nil},
			{"POST", "/orchestration/executables/tasks/" + task + "/webhook", hook},
			{"DELETE", "/orchestration/executables/tasks/" + task + "/webhook", nil},
			{"PUT", "/orchestration/executables/plans/" + plan.ID + "/schedule", sched},
			{"DELETE", "/orchestration/executables/plans/" + plan.ID + "/schedule", nil},
			{"POST", "/orchestration/executables/plans/" + plan.ID + "/webhook", hook},
			{"DELETE", "/orchestration/executables/plans/" + plan.ID + "/webhook", nil},
			{"POST", "/orchestration/executables/plans/" + plan.ID + "/pause", nil},
			{"POST", "/orchestration/executables/plans/" + plan.ID + "/resume", nil},
			{"POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}},
			{"POST", "/processing/executions/plans/" + run.ExecutionID + "/stop", nil},
			{"POST", "/processing/executions/plans/" + run.ExecutionID + "/rerun", map[string]any{"fromStep": 1}},
		},
		state.WsAuthor: {
			{"POST", "/orchestration/executables/plans", map[string]any{"name": "mine", "workspaceId": f.wsID,
				"steps": []map[string]any{{"name": "Only", "taskIds": []string{task}}}}},
			{"DELETE", "/orchestration/executables/plans/" + plan.ID, nil},
		},
	}
	for right, calls := range byRight {
		for _, cl := range calls {
			e := c.MustFail(t, 403, cl.method, cl.path, cl.body)
			if !strings.Contains(e.Message, right) {
				t.Errorf("%s %s: %q does not name %s", cl.method, cl.path, e.Message, right)
			}
		}
	}
	// VIEW opens the reads only.
	f.srv.Grant(t, f.wsID, u.ID, state.WsView)
	c.Must(t, 200, "GET", "/orchestration/executables/plans/"+plan.ID+"/schedule", nil, nil)
	c.MustFail(t, 403, "PUT", "/orchestration/executables/plans/"+plan.ID+"/schedule", sched)
	// EXECUTE opens runs and schedules, not authoring.
	f.c.Must(t, 204, "PUT", "/security/workspaces/"+f.wsID+"/users/"+u.ID+"/permissions", []string{state.WsView, state.WsExecute}, nil)
	failing.Store(false)
	c.Must(t, 204, "PUT", "/orchestration/executables/plans/"+plan.ID+"/schedule", sched, nil)
	c.Must(t, 201, "POST", "/processing/executions/plans/"+run.ExecutionID+"/rerun", map[string]any{"fromStep": 1}, nil)
	c.MustFail(t, 403, "DELETE", "/orchestration/executables/plans/"+plan.ID, nil)
}
