package schedulefire_test

import (
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// A scheduled plan run gives its tasks the trigger's timeout instead of
// their own, as a scheduled task run does.
func TestScheduledPlanRunUsesTheTriggerTimeout(t *testing.T) {
	f := start(t)
	task := f.jobTask("planned")
	// Parallel runs, so the plan's run is not refused by the first one,
	// which stays queued (no engine runs here).
	f.c.Must(t, 204, "PUT", "/orchestration/executables/tasks/"+task+"/run-config", map[string]any{
		"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "parallelExecutionAllowed": true}, nil)
	f.c.Must(t, 201, "POST", "/processing/executions", map[string]any{"executable": task}, nil)
	var plan state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "timed", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "Only", "taskIds": []string{task}}}}, &plan)
	today := f.clock.Now().Format("2006-01-02")
	f.c.Must(t, 204, "PUT", "/orchestration/executables/plans/"+plan.ID+"/schedule", map[string]any{"triggers": []map[string]any{{
		"type": "CRON", "startDate": today, "timeZone": "UTC", "expression": "*/5 * * * ?", "timeout": map[string]any{"mode": "CUSTOM", "minutes": 2}}}}, nil)

	f.clock.Set(nextBoundary(f.clock.Now(), 5*time.Minute).Add(time.Second))
	var runs []state.PlanExecution
	deadline := time.Now().Add(10 * time.Second)
	for len(runs) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the plan's trigger did not fire")
		}
		time.Sleep(10 * time.Millisecond)
		f.c.Must(t, 200, "GET", "/orchestration/executables/plans/"+plan.ID+"/executions", nil, &runs)
	}
	pe := runs[0]
	if pe.ExecutionType != state.ExecutionScheduled || pe.TimeoutMinutes != 2 || pe.Steps[0].Tasks[0].ExecutionID == "" {
		t.Fatalf("scheduled plan run: %+v", pe)
	}
	var v executions.View
	f.c.Must(t, 200, "GET", "/processing/executions/"+pe.Steps[0].Tasks[0].ExecutionID, nil, &v)
	if v.TimeoutMinutes != 2 || v.ExecutionType != state.ExecutionPlan {
		t.Fatalf("the plan's task run: timeout %d, type %s", v.TimeoutMinutes, v.ExecutionType)
	}
}
