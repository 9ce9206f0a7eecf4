package plans_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// A failed step runs its handler plans (as plan executions of their own)
// beside its handler tasks; the plan ends once both are done.
func TestAFailedStepRunsItsHandlerPlan(t *testing.T) {
	var failing atomic.Value
	failing.Store("")
	f := start(t, func(taskID string) bool { return taskID == failing.Load().(string) })
	work, alert, page := f.task("work", true), f.task("alert", true), f.task("page", true)
	failing.Store(work)

	var handler state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "escalate", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "Page", "taskIds": []string{page}}}}, &handler)
	var plan state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "main", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "Work", "taskIds": []string{work},
			"onFailure": map[string]any{"taskIds": []string{alert}, "planIds": []string{handler.ID}}}}}, &plan)

	var run state.PlanExecutionStarted
	f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, &run)
	pe := f.waitPlan(run.ExecutionID)
	s := pe.Steps[0]
	if pe.Status != state.PlanFailed || len(s.Handlers) != 1 || s.Handlers[0].Status != state.ExecSuccess ||
		len(s.HandlerPlans) != 1 || s.HandlerPlans[0].PlanID != handler.ID || s.HandlerPlans[0].Status != state.PlanSucceeded {
		t.Fatalf("failed run: %s %+v", pe.Status, s)
	}
	var child state.PlanExecution
	f.c.Must(t, 200, "GET", "/processing/executions/plans/"+s.HandlerPlans[0].ExecutionID, nil, &child)
	if child.PlanID != handler.ID || child.ExecutionType != state.ExecutionPlan || child.Status != state.PlanSucceeded {
		t.Fatalf("handler plan run: %+v", child)
	}
	// A handler plan in use cannot be deleted; an unknown one is refused.
	f.c.MustFail(t, 409, "DELETE", "/orchestration/executables/plans/"+handler.ID, nil)
	f.c.MustFail(t, 404, "POST", "/orchestration/executables/plans", map[string]any{"name": "x", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "s", "taskIds": []string{work}, "onFailure": map[string]any{"planIds": []string{"0123456789abcdef01234567"}}}}})

	// A plan cannot be its own handler. Its ID is made by the API, so the
	// state rule is checked with a command carrying a chosen ID.
	self := state.NewObjectID()
	cmd, err := cluster.NewCommand(state.CmdPlanCreate, cluster.Meta{}, state.Plan{ID: self, Name: "loop", WorkspaceID: f.wsID,
		Steps: []state.PlanStep{{Name: "s", TaskIDs: []string{work}, OnFailure: state.PlanHandlers{PlanIDs: []string{self}}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.srv.Node().Apply(context.Background(), cmd, nil)
	if rej, ok := cluster.AsRejection(err); !ok || rej.Code != cluster.CodeInvalid || !strings.Contains(rej.Message, "own failure handler") {
		t.Fatalf("self handler: %v", err)
	}
}

// A run waiting on its handler plan stops it when stopped.
func TestStoppingARunStopsItsHandlerPlan(t *testing.T) {
	var failing, hanging atomic.Value
	failing.Store("")
	hanging.Store("")
	f := startWith(t, func(taskID string) executionstest.Behavior {
		switch taskID {
		case failing.Load().(string):
			return executionstest.Behavior{Status: state.ExecFailed}
		case hanging.Load().(string):
			return executionstest.Behavior{Hang: true}
		}
		return executionstest.Behavior{}
	})
	work, slow := f.task("work", true), f.task("slow", true)
	failing.Store(work)
	hanging.Store(slow)
	var handler, plan state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "slow-handler", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "Slow", "taskIds": []string{slow}}}}, &handler)
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "main", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "Work", "taskIds": []string{work}, "onFailure": map[string]any{"planIds": []string{handler.ID}}}}}, &plan)
	var run state.PlanExecutionStarted
	f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, &run)
	var pe state.PlanExecution
	deadline := time.Now().Add(10 * time.Second)
	for len(pe.Steps) == 0 || len(pe.Steps[0].HandlerPlans) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the handler plan did not start: %+v", pe)
		}
		time.Sleep(10 * time.Millisecond)
		f.c.Must(t, 200, "GET", "/processing/executions/plans/"+run.ExecutionID, nil, &pe)
	}
	if pe.Status != state.PlanRunning || pe.Steps[0].Status != state.StepFailed {
		t.Fatalf("waiting on its handler: %s %v", pe.Status, stepStatuses(pe))
	}
	// Stopped once the engine runs the handler's task: a stop of a run the
	// engine never took waits for the stop grace instead (the agent has
	// nothing to stop, so nothing confirms it).
	f.awaitExecution(f.handlerTask(pe.Steps[0].HandlerPlans[0].ExecutionID), "started by the engine",
		func(status string) bool { return status == state.ExecStarting })
	var stopped state.PlanExecution
	f.c.Must(t, 200, "POST", "/processing/executions/plans/"+run.ExecutionID+"/stop", nil, &stopped)
	if stopped.Status != state.PlanStopped || stopped.Steps[0].HandlerPlans[0].Status != state.PlanStopped {
		t.Fatalf("stopped: %s %+v", stopped.Status, stopped.Steps[0].HandlerPlans)
	}
	child := f.waitPlan(stopped.Steps[0].HandlerPlans[0].ExecutionID)
	if child.Status != state.PlanStopped {
		t.Fatalf("handler plan run: %s", child.Status)
	}
	f.waitExecution(child.Steps[0].Tasks[0].ExecutionID)
}

// handlerTask waits for the first task execution of a plan run and
// returns its ID.
func (f *fixture) handlerTask(planRunID string) string {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pe state.PlanExecution
		f.c.Must(f.t, 200, "GET", "/processing/executions/plans/"+planRunID, nil, &pe)
		if len(pe.Steps) > 0 && len(pe.Steps[0].Tasks) > 0 && pe.Steps[0].Tasks[0].ExecutionID != "" {
			return pe.Steps[0].Tasks[0].ExecutionID
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("plan run %s started no task: %+v", planRunID, pe.Steps)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
