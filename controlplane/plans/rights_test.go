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

// Reads of a workspace's contents need a right on it: a user without one
// does not find the task, plan, runs or artifact in any list and gets 403
// from every read naming VIEW; any right on the workspace (here PUBLISH
// alone) opens them.
func TestReadsNeedARightOnTheWorkspace(t *testing.T) {
	f := start(t, func(string) bool { return false })
	task := f.task("visible", true)
	var plan state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "visible", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "Only", "taskIds": []string{task}}}}, &plan)
	var run state.PlanExecutionStarted
	f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, &run)
	f.waitPlan(run.ExecutionID)
	var taskView state.Task
	f.c.Must(t, 200, "GET", "/orchestration/executables/tasks/"+task, nil, &taskView)
	var page struct {
		Items []struct{ ExecutionID string }
	}
	f.c.Must(t, 200, "GET", "/orchestration/executables/tasks/"+task+"/executions", nil, &page)
	if len(page.Items) == 0 {
		t.Fatal("the plan run left no execution of the task")
	}
	exec := page.Items[0].ExecutionID

	u := f.srv.NewUser(t, state.PermOperator)
	c := f.srv.Client(u.Token)
	reads := []string{
		"/orchestration/executables/tasks/" + task,
		"/orchestration/executables/tasks/" + task + "/run-config",
		"/orchestration/executables/tasks/" + task + "/executions",
		"/orchestration/executables/tasks/" + task + "/schedule",
		"/orchestration/executables/plans/" + plan.ID,
		"/orchestration/executables/plans/" + plan.ID + "/executions",
		"/orchestration/executables/plans/" + plan.ID + "/schedule",
		"/processing/executions/plans/" + run.ExecutionID,
		"/processing/executions/" + exec,
		"/processing/executions/" + exec + "/logs",
		"/orchestration/artifacts/" + taskView.ArtifactID,
		"/orchestration/artifacts/" + taskView.ArtifactID + "/versions",
	}
	lists := map[string]string{ // list path -> the ID it must (not) hold
		"/orchestration/executables/tasks": task,
		"/orchestration/executables/plans": plan.ID,
		"/processing/executions":           exec,
		"/orchestration/artifacts":         taskView.ArtifactID,
	}
	for _, path := range reads {
		if e := c.MustFail(t, 403, "GET", path, nil); !strings.Contains(e.Message, state.WsView) {
			t.Errorf("GET %s: %q does not name %s", path, e.Message, state.WsView)
		}
	}
	for path, id := range lists {
		_, body, err := c.Do("GET", path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(body), id) {
			t.Errorf("GET %s shows %s to a user without rights on its workspace", path, id)
		}
	}

	f.srv.Grant(t, f.wsID, u.ID, state.WsPublish)
	for _, path := range reads {
		c.Must(t, 200, "GET", path, nil, nil)
	}
	for path, id := range lists {
		_, body, err := c.Do("GET", path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), id) {
			t.Errorf("GET %s does not show %s to a user with a right on its workspace", path, id)
		}
	}
}
