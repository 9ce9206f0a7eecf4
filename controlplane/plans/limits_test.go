package plans_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/schedule"
	"github.com/roundhouse/roundhouse/controlplane/schedulefire"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// A rerun is a new run of the plan: it counts against the queue cap.
func TestRerunIsRefusedWhenThePlanQueueIsFull(t *testing.T) {
	const succeed, fail, hang = 0, 1, 2 // the fake engine's verdict
	var mode atomic.Int32
	f := startConfigured(t, func(string) executionstest.Behavior {
		switch mode.Load() {
		case fail:
			return executionstest.Behavior{Status: state.ExecFailed}
		case hang:
			return executionstest.Behavior{Hang: true}
		}
		return executionstest.Behavior{}
	}, func(c *executions.Config) { c.QueueCap = 2 })
	task := f.task("capped", true)
	var plan state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "capped", "workspaceId": f.wsID,
		"parallelRunAllowed": true, "steps": []map[string]any{{"name": "Only", "taskIds": []string{task}}}}, &plan)
	mode.Store(fail)
	var failed state.PlanExecutionStarted
	f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, &failed)
	if pe := f.waitPlan(failed.ExecutionID); pe.Status != state.PlanFailed {
		t.Fatalf("first run: %s", pe.Status)
	}
	mode.Store(hang)
	for range 2 {
		f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, nil)
	}
	e := f.c.MustFail(t, 429, "POST", "/processing/executions/plans/"+failed.ExecutionID+"/rerun", map[string]any{"fromStep": 1})
	if e.Code != "EXECUTION_QUEUE_FULL" {
		t.Fatalf("rerun with a full queue: %+v", e)
	}
	var runs []state.PlanExecution
	f.c.Must(t, 200, "GET", "/orchestration/executables/plans/"+plan.ID+"/executions", nil, &runs)
	if len(runs) != 3 {
		t.Fatalf("a refused rerun left a run: %d runs", len(runs))
	}
}

// A plan webhook needs a first-step task whose Job takes
// resource_webhook_payload; the batch then reaches that task.
func TestPlanWebhookNeedsAFirstStepTaskTakingThePayload(t *testing.T) {
	f := start(t, func(string) bool { return false })
	plain := f.task("plain", true)
	m := executionstest.JobManifest("hooked", "1.0.0")
	m["parameters"] = map[string]string{schedule.PayloadParameter: ""}
	hooked := f.taskOf(m, true)

	var without state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "without", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "First", "taskIds": []string{plain}}, {"name": "Second", "taskIds": []string{hooked}}}}, &without)
	e := f.c.MustFail(t, 409, "POST", "/orchestration/executables/plans/"+without.ID+"/webhook", map[string]any{"windowThreshold": 1, "windowDuration": 30})
	if e.Code != "PRECONDITION_FAILED" || !strings.Contains(e.Message, schedule.PayloadParameter) {
		t.Fatalf("webhook without a payload task: %+v", e)
	}

	var with state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "with", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "First", "taskIds": []string{plain, hooked}}}}, &with)
	var hook schedulefire.WebhookCreated
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans/"+with.ID+"/webhook", map[string]any{"windowThreshold": 1, "windowDuration": 30}, &hook)
	resp, err := http.Post(hook.URL, "application/json", strings.NewReader(`{"id":"42"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("webhook call: %d", resp.StatusCode)
	}
	var runs []state.PlanExecution
	f.c.Must(t, 200, "GET", "/orchestration/executables/plans/"+with.ID+"/executions", nil, &runs)
	if len(runs) != 1 || runs[0].ExecutionType != state.ExecutionWebhook || !strings.Contains(runs[0].Parameters[schedule.PayloadParameter], `42`) {
		t.Fatalf("webhook plan runs: %+v", runs)
	}
	pe := f.waitPlan(runs[0].ID)
	var v executions.View
	f.c.Must(t, 200, "GET", "/processing/executions/"+pe.Steps[0].Tasks[1].ExecutionID, nil, &v)
	if !strings.Contains(v.Parameters[schedule.PayloadParameter], `42`) {
		t.Fatalf("the payload did not reach the first step's task: %+v", v.Parameters)
	}
}
