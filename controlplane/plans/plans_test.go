package plans_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

type fixture struct {
	t    *testing.T
	srv  *cptest.Server
	c    *cptest.Client
	wsID string
}

// start runs a control plane with a fake engine whose verdict per task
// comes from fail (task ID -> fail?).
func start(t *testing.T, fail func(taskID string) bool) *fixture {
	return startWith(t, func(taskID string) executionstest.Behavior {
		if fail(taskID) {
			return executionstest.Behavior{Status: state.ExecFailed}
		}
		return executionstest.Behavior{}
	})
}

// startWith runs the control plane with a fake engine behaving per task.
func startWith(t *testing.T, behave func(taskID string) executionstest.Behavior) *fixture {
	return startConfigured(t, behave, func(*executions.Config) {})
}

// startConfigured is startWith with the executions config adjusted.
func startConfigured(t *testing.T, behave func(taskID string) executionstest.Behavior, adjust func(*executions.Config)) *fixture {
	t.Helper()
	dir := executionstest.NewDirectory()
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.Executions = executions.Config{Engines: dir, Minute: time.Minute, Rescan: 20 * time.Millisecond,
			RetryDelays: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}}
		adjust(&c.Executions)
	})
	f := &fixture{t: t, srv: srv, c: srv.Client(cptest.AdminToken)}
	envID, wsID, err := executionstest.SharedWorkspace(srv.URL, cptest.AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	f.wsID = wsID
	dir.AddEngine("engine-1", envID)
	e := &executionstest.Engine{ID: "engine-1", Execs: srv.Executions(), Read: srv.Node().Read,
		Behave: func(x *state.Execution) executionstest.Behavior { return behave(x.TaskID) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

// task publishes a job with a task on engine-1 that allows parallel runs.
func (f *fixture) task(name string, runOnce bool) string {
	f.t.Helper()
	return f.taskOf(executionstest.JobManifest(name, "1.0.0"), runOnce)
}

// taskOf is task with the job's manifest given.
func (f *fixture) taskOf(manifest map[string]any, runOnce bool) string {
	f.t.Helper()
	archive, err := executionstest.Archive(manifest, map[string]string{"run.sh": "#!/bin/sh\n"})
	if err != nil {
		f.t.Fatal(err)
	}
	status, raw, err := f.c.Send("POST", "/orchestration/artifacts", "application/gzip", archive)
	if err != nil {
		f.t.Fatal(err)
	}
	var pub state.ArtifactPublishResult
	if err := json.Unmarshal(raw, &pub); err != nil || pub.TaskID == "" {
		f.t.Fatalf("upload: %d %v", status, err)
	}
	f.c.Must(f.t, 204, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", map[string]any{
		"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "parallelExecutionAllowed": true}, nil)
	if runOnce {
		var out state.ExecutionCreated
		f.c.Must(f.t, 201, "POST", "/processing/executions", map[string]any{"executable": pub.TaskID}, &out)
		f.waitExecution(out.ExecutionID)
	}
	return pub.TaskID
}

func (f *fixture) waitExecution(id string) {
	f.t.Helper()
	f.awaitExecution(id, "final", state.IsFinalStatus)
}

// awaitExecution polls an execution until its status satisfies cond.
func (f *fixture) awaitExecution(id, what string, cond func(status string) bool) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var v executions.View
		f.c.Must(f.t, 200, "GET", "/processing/executions/"+id, nil, &v)
		if cond(v.ExecutionStatus) {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("execution %s stays %s, not %s", id, v.ExecutionStatus, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitPlan polls a plan execution until it ends.
func (f *fixture) waitPlan(id string) state.PlanExecution {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var pe state.PlanExecution
		f.c.Must(f.t, 200, "GET", "/processing/executions/plans/"+id, nil, &pe)
		if pe.Status != state.PlanRunning {
			return pe
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("plan execution %s still running: %+v", id, pe.Steps)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func stepStatuses(pe state.PlanExecution) []string {
	var out []string
	for _, s := range pe.Steps {
		out = append(out, s.Status)
	}
	return out
}

func same(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPlanFailsAtAStepRunsItsHandlerAndRerunsFromThatStep(t *testing.T) {
	var breakC atomic.Bool
	breakC.Store(true)
	var cID atomic.Value
	cID.Store("")
	f := start(t, func(taskID string) bool { return breakC.Load() && taskID == cID.Load().(string) })
	a, b, c, h, d := f.task("extract", true), f.task("load_b", true), f.task("load_c", false), f.task("alert", true), f.task("report", true)
	cID.Store(c)

	steps := []map[string]any{
		{"name": "Extract", "taskIds": []string{a}},
		{"name": "Load", "condition": "ALL_SUCCEEDED", "taskIds": []string{b, c}, "onFailure": map[string]any{"taskIds": []string{h}}},
		{"name": "Report", "taskIds": []string{d}},
	}
	// A task must have run once before it joins a plan.
	e := f.c.MustFail(t, 409, "POST", "/orchestration/executables/plans", map[string]any{"name": "nightly", "workspaceId": f.wsID, "steps": steps})
	if e.Code != "PRECONDITION_FAILED" {
		t.Fatalf("never-run task: %+v", e)
	}
	breakC.Store(false)
	var first state.ExecutionCreated
	f.c.Must(t, 201, "POST", "/processing/executions", map[string]any{"executable": c}, &first)
	f.waitExecution(first.ExecutionID)
	breakC.Store(true)

	var plan state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "nightly", "workspaceId": f.wsID, "steps": steps}, &plan)
	// A task used in a plan cannot be deleted.
	f.c.MustFail(t, 409, "DELETE", "/orchestration/executables/tasks/"+c, nil)

	var run state.PlanExecutionStarted
	f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, &run)
	pe := f.waitPlan(run.ExecutionID)
	if pe.Status != state.PlanFailed || !same(stepStatuses(pe), []string{"SUCCEEDED", "FAILED", "NOT_RUN"}) {
		t.Fatalf("failed run: %s %v", pe.Status, stepStatuses(pe))
	}
	load := pe.Steps[1]
	if load.Tasks[0].Status != state.ExecSuccess || load.Tasks[1].Status != state.ExecFailed ||
		len(load.Handlers) != 1 || load.Handlers[0].TaskID != h || load.Handlers[0].Status != state.ExecSuccess {
		t.Fatalf("load step: %+v", load)
	}
	if len(pe.Steps[2].Tasks) != 1 || pe.Steps[2].Tasks[0].ExecutionID != "" {
		t.Fatalf("the step after the failure ran: %+v", pe.Steps[2])
	}

	// Rerun from the failed step, only its failed tasks, once C is fixed.
	breakC.Store(false)
	var rerun state.PlanExecutionStarted
	f.c.Must(t, 201, "POST", "/processing/executions/plans/"+run.ExecutionID+"/rerun", map[string]any{"fromStep": 2, "onlyFailed": true}, &rerun)
	pe2 := f.waitPlan(rerun.ExecutionID)
	if pe2.Status != state.PlanSucceeded || pe2.RerunOf != run.ExecutionID || !same(stepStatuses(pe2), []string{"SKIPPED", "SUCCEEDED", "SUCCEEDED"}) {
		t.Fatalf("rerun: %s %v", pe2.Status, stepStatuses(pe2))
	}
	if l := pe2.Steps[1]; !l.Tasks[0].Carried || l.Tasks[0].ExecutionID != load.Tasks[0].ExecutionID || l.Tasks[1].Carried || l.Tasks[1].ExecutionID == load.Tasks[1].ExecutionID {
		t.Fatalf("only the failed task should rerun: %+v", l.Tasks)
	}
	// A succeeded run cannot be rerun; a bad step number is refused.
	f.c.MustFail(t, 409, "POST", "/processing/executions/plans/"+rerun.ExecutionID+"/rerun", map[string]any{"fromStep": 1})
	f.c.MustFail(t, 400, "POST", "/processing/executions/plans/"+run.ExecutionID+"/rerun", map[string]any{"fromStep": 9})
}

func TestPlanConditionsParallelRunsPauseAndStop(t *testing.T) {
	var failing atomic.Value
	failing.Store("")
	f := start(t, func(taskID string) bool { return taskID == failing.Load().(string) })
	a, b, slow := f.task("one", true), f.task("two", true), f.task("three", true)
	failing.Store(b)
	var plan state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "lenient", "workspaceId": f.wsID, "steps": []map[string]any{
		{"name": "Both", "condition": "AT_LEAST_ONE_SUCCEEDED", "taskIds": []string{a, b}},
		{"name": "After", "taskIds": []string{slow}},
	}}, &plan)
	var run state.PlanExecutionStarted
	f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, &run)
	if pe := f.waitPlan(run.ExecutionID); pe.Status != state.PlanSucceeded {
		t.Fatalf("at least one succeeded: %s %v", pe.Status, stepStatuses(pe))
	}

	// Paused: no run of any kind.
	f.c.Must(t, 200, "POST", "/orchestration/executables/plans/"+plan.ID+"/pause", map[string]any{"reason": "db upgrade"}, nil)
	f.c.MustFail(t, 405, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID})
	f.c.Must(t, 200, "POST", "/orchestration/executables/plans/"+plan.ID+"/resume", nil, nil)

	// Bad input.
	for _, body := range []map[string]any{
		{"name": "x", "workspaceId": f.wsID, "steps": []map[string]any{}},
		{"name": "x", "workspaceId": f.wsID, "steps": []map[string]any{{"name": "s", "condition": "MOSTLY", "taskIds": []string{a}}}},
		{"name": "x", "workspaceId": f.wsID, "steps": []map[string]any{{"name": "s", "taskIds": []string{}}}},
	} {
		f.c.MustFail(t, 400, "POST", "/orchestration/executables/plans", body)
	}
	f.c.MustFail(t, 404, "POST", "/orchestration/executables/plans", map[string]any{"name": "x", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "s", "taskIds": []string{"0123456789abcdef01234567"}}}})
	f.c.MustFail(t, 404, "GET", "/processing/executions/plans/nope", nil)
	f.c.MustFail(t, 400, "POST", "/processing/executions/plans", map[string]any{"executable": "nope"})
}

func TestPlanWithoutParallelRunsRefusesASecondRunAndStops(t *testing.T) {
	var hang atomic.Value
	hang.Store("")
	f := startWith(t, func(taskID string) executionstest.Behavior {
		return executionstest.Behavior{Hang: taskID == hang.Load().(string)}
	})
	long := f.task("long", true)
	hang.Store(long)
	var plan state.Plan
	f.c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "single", "workspaceId": f.wsID,
		"steps": []map[string]any{{"name": "Only", "taskIds": []string{long}}}}, &plan)
	var run state.PlanExecutionStarted
	f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, &run)
	f.c.MustFail(t, 409, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID})
	f.c.MustFail(t, 409, "DELETE", "/orchestration/executables/plans/"+plan.ID, nil)
	var stopped state.PlanExecution
	f.c.Must(t, 200, "POST", "/processing/executions/plans/"+run.ExecutionID+"/stop", nil, &stopped)
	if stopped.Status != state.PlanStopped || stopped.Steps[0].Status != state.StepStopped {
		t.Fatalf("stopped: %s %v", stopped.Status, stepStatuses(stopped))
	}
	f.waitExecution(stopped.Steps[0].Tasks[0].ExecutionID)
	f.c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, &run)
}
