package executions_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func TestJobRunsOnEngineToSuccess(t *testing.T) {
	f := start(t)
	task := f.jobTask("nightly", nil)
	eng := f.engine("engine-1", func(*state.Execution) executionstest.Behavior {
		return executionstest.Behavior{Duration: 20 * time.Millisecond, Logs: []string{"hello from the job"}}
	})
	id := f.run(task, map[string]any{"parameters": map[string]string{"CITY": "Paris"}, "logLevel": "INFO"})
	v := f.wait(id, state.ExecSuccess)
	if v.Status != "execution_successful" || v.EngineID != "engine-1" || v.StartedAt == nil || v.FinishedAt == nil {
		t.Fatalf("final view wrong: %+v", v)
	}
	if v.Parameters["CITY"] != "Paris" || v.Parameters["GREETING"] != "hello" || v.LogLevel != "INFO" {
		t.Fatalf("parameters or log level not carried: %+v", v.Execution)
	}
	if eng.Runs(id) != 1 {
		t.Fatalf("engine ran it %d times", eng.Runs(id))
	}
	status, raw, _ := f.c.Do("GET", "/processing/executions/"+id+"/logs", nil)
	if status != 200 || !strings.Contains(string(raw), "hello from the job") {
		t.Fatalf("logs: %d %s", status, raw)
	}
	var page executions.Page
	f.c.Must(t, 200, "GET", "/orchestration/executables/tasks/"+task+"/executions", nil, &page)
	if page.Total != 1 || page.Items[0].ID != id {
		t.Fatalf("task executions: %+v", page)
	}
}

func TestClusterSpreadsOverEnginesUnderTheCap(t *testing.T) {
	f := start(t)
	for _, id := range []string{"engine-2", "engine-3"} {
		f.dir.AddEngine(id, f.envID)
	}
	f.dir.AddCluster("cluster-1", f.envID, "engine-1", "engine-2", "engine-3")
	task := f.jobTask("spread", map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE_CLUSTER", "id": "cluster-1"},
		"parallelExecutionAllowed": true, "timeout": 100})
	hang := func(*state.Execution) executionstest.Behavior { return executionstest.Behavior{Hang: true} }
	engines := []*executionstest.Engine{f.engine("engine-1", hang), f.engine("engine-2", hang), f.engine("engine-3", hang)}
	var ids []string
	for i := 0; i < 10; i++ {
		ids = append(ids, f.run(task, nil))
	}
	perEngine := map[string]int{}
	for _, id := range ids[:9] {
		perEngine[f.wait(id, state.ExecStarting).EngineID]++
	}
	for _, e := range engines {
		if perEngine[e.ID] != state.DefaultEngineConcurrency {
			t.Fatalf("placement %v: want %d on every engine", perEngine, state.DefaultEngineConcurrency)
		}
	}
	// Every engine is at its cap: the tenth waits until one run ends.
	time.Sleep(100 * time.Millisecond) // give a wrong dispatcher the chance to over-place
	if v := f.wait(ids[9], state.ExecEventReceived); v.EngineID != "" {
		t.Fatalf("placed over the cap: %+v", v.Execution)
	}
	f.c.Must(t, 200, "POST", "/processing/executions/"+ids[0]+"/stop", nil, nil)
	freed := f.wait(ids[0], state.ExecTerminated).EngineID
	if v := f.wait(ids[9], state.ExecStarting); v.EngineID != freed {
		t.Fatalf("the tenth went to %s, not to the engine that freed a slot (%s)", v.EngineID, freed)
	}
	for _, e := range engines {
		if e.Peak() > state.DefaultEngineConcurrency {
			t.Errorf("engine %s ran %d at once, over the cap", e.ID, e.Peak())
		}
	}
}

func TestQueueCapRefusesThe51st(t *testing.T) {
	f := start(t)
	f.dir.SetAvailable("engine-1", false) // nothing leaves the queue
	task := f.jobTask("capped", map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "timeout": 1000})
	for i := 0; i < state.DefaultQueueCap; i++ {
		f.run(task, nil)
	}
	e := f.c.MustFail(t, 429, "POST", "/processing/executions", map[string]any{"executable": task})
	if e.Code != "EXECUTION_QUEUE_FULL" || !strings.Contains(e.Message, "at most 50") {
		t.Fatalf("queue cap error: %+v", e)
	}
}

func TestBusyTaskRetriesThenFailsWithTheSeedError(t *testing.T) {
	f := start(t)
	task := f.jobTask("single", map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "timeout": 100})
	f.engine("engine-1", func(*state.Execution) executionstest.Behavior { return executionstest.Behavior{Hang: true} })
	first := f.run(task, nil)
	f.wait(first, state.ExecStarting)
	start := time.Now()
	second := f.run(task, nil)
	v := f.wait(second, state.ExecFailed)
	if v.ErrorMessage != state.BusyExhaustedMessage {
		t.Fatalf("message %q", v.ErrorMessage)
	}
	if v.BusyRetries != 5 {
		t.Fatalf("busy failures %d, want the first attempt and 4 retries", v.BusyRetries)
	}
	if total := 20 + 40 + 80 + 160; time.Since(start) < time.Duration(total)*time.Millisecond {
		t.Fatalf("failed after %s, before the retry schedule (%d ms) ran out", time.Since(start), total)
	}
}

func TestBusyTaskRunsOnceTheOtherRunEnds(t *testing.T) {
	// Many short retries: the second run retries soon after the first
	// ends, and the first (ended by the test) has two seconds to end in,
	// not the 300 ms of shortDelays, which a loaded host can exceed.
	f := start(t, func(c *executions.Config) { c.RetryDelays = slices.Repeat([]time.Duration{20 * time.Millisecond}, 100) })
	task := f.jobTask("single", nil)
	release := make(chan struct{})
	eng := f.engine("engine-1", func(*state.Execution) executionstest.Behavior {
		return executionstest.Behavior{Until: release}
	})
	// The first runs until the second has been found busy: a first run
	// that ended before the second was submitted would prove nothing.
	first := f.run(task, nil)
	f.wait(first, state.ExecStarting)
	second := f.run(task, nil)
	f.waitFor(second, "refused busy once", func(v executions.View) bool { return v.BusyRetries > 0 })
	close(release)
	f.wait(first, state.ExecSuccess)
	f.wait(second, state.ExecSuccess)
	if eng.Runs(first) != 1 || eng.Runs(second) != 1 {
		t.Fatalf("runs: first %d, second %d; want one each", eng.Runs(first), eng.Runs(second))
	}
}

func TestPausedTaskRefusesRuns(t *testing.T) {
	f := start(t)
	task := f.jobTask("pausable", nil)
	f.c.Must(t, 200, "POST", "/orchestration/executables/tasks/"+task+"/pause", map[string]string{"reason": "maintenance"}, nil)
	e := f.c.MustFail(t, 405, "POST", "/processing/executions", map[string]any{"executable": task})
	if e.Code != "TASK_PAUSED" || !strings.Contains(e.Message, "maintenance") {
		t.Fatalf("paused error: %+v", e)
	}
	f.c.MustFail(t, 405, "POST", "/orchestration/executables/tasks/"+task+"/run", nil)
	var tk state.Task
	f.c.Must(t, 200, "POST", "/orchestration/executables/tasks/"+task+"/resume", nil, &tk)
	if tk.Paused {
		t.Fatal("still paused")
	}
	f.run(task, nil)
}

func TestTimeoutEndsARunningExecution(t *testing.T) {
	f := start(t)
	task := f.jobTask("slow", nil)
	eng := f.engine("engine-1", func(*state.Execution) executionstest.Behavior { return executionstest.Behavior{Hang: true} })
	id := f.run(task, map[string]any{"timeout": 1}) // one configured "minute": 200 ms
	v := f.wait(id, state.ExecTerminatedTimeout)
	if v.Status != "terminated" || !strings.Contains(v.ErrorMessage, "timeout") {
		t.Fatalf("timeout view: %+v", v.Execution)
	}
	if eng.Runs(id) != 1 {
		t.Fatalf("runs %d", eng.Runs(id))
	}
}

func TestQueuedExecutionWithoutEngineTimesOutWithAReason(t *testing.T) {
	f := start(t)
	f.dir.SetAvailable("engine-1", false)
	task := f.jobTask("orphan", nil)
	v := f.wait(f.run(task, map[string]any{"timeout": 1}), state.ExecTerminatedTimeout)
	if !strings.Contains(v.ErrorMessage, "no engine") {
		t.Fatalf("reason: %q", v.ErrorMessage)
	}
}

func TestStopRunningAndQueued(t *testing.T) {
	f := start(t)
	task := f.jobTask("stoppable", map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "timeout": 100})
	f.engine("engine-1", func(*state.Execution) executionstest.Behavior { return executionstest.Behavior{Hang: true} })
	id := f.run(task, nil)
	f.wait(id, state.ExecStarting)
	f.c.Must(t, 200, "POST", "/processing/executions/"+id+"/stop", nil, nil)
	f.wait(id, state.ExecTerminated)
	e := f.c.MustFail(t, 409, "POST", "/processing/executions/"+id+"/stop", nil)
	if !strings.Contains(e.Message, "already ended") {
		t.Fatalf("stop of a finished execution: %+v", e)
	}

	f.dir.SetAvailable("engine-1", false)
	queued := f.run(task, nil)
	f.c.Must(t, 204, "DELETE", "/processing/executions/"+queued, nil, nil)
	f.wait(queued, state.ExecTerminated)
}

func TestBadInputGetsClearErrors(t *testing.T) {
	f := start(t)
	f.dir.AddEngine("engine-other", "0123456789abcdef01234567")
	task := f.jobTask("checked", nil)
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"unknown task", "POST", "/processing/executions", map[string]any{"executable": "aaaaaaaaaaaaaaaaaaaaaaaa"}, 404, "NOT_FOUND"},
		{"not a task id", "POST", "/processing/executions", map[string]any{"executable": "nope"}, 400, "INVALID_REQUEST"},
		{"bad log level", "POST", "/processing/executions", map[string]any{"executable": task, "logLevel": "LOUD"}, 400, "INVALID_REQUEST"},
		{"timeout under a minute", "POST", "/processing/executions", map[string]any{"executable": task, "timeout": -1}, 400, "INVALID_REQUEST"},
		{"unknown field", "POST", "/processing/executions", map[string]any{"executable": task, "priority": 1}, 400, "INVALID_REQUEST"},
		{"unknown execution", "GET", "/processing/executions/00000000-0000-0000-0000-000000000000", nil, 404, "NOT_FOUND"},
		{"engine of another environment", "PUT", "/orchestration/executables/tasks/" + task + "/run-config",
			map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-other"}}, 400, "ENGINE_OF_ANOTHER_ENVIRONMENT"},
		{"unknown engine", "PUT", "/orchestration/executables/tasks/" + task + "/run-config",
			map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "ghost"}}, 404, "NOT_FOUND"},
		{"bad runtime type", "PUT", "/orchestration/executables/tasks/" + task + "/run-config",
			map[string]any{"runtime": map[string]any{"type": "CLOUD", "id": "engine-1"}}, 400, "INVALID_REQUEST"},
		{"task timeout under a minute", "PUT", "/orchestration/executables/tasks/" + task + "/run-config",
			map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "timeout": -5}, 400, "INVALID_REQUEST"},
		{"bad time filter", "GET", "/processing/executions?from=yesterday", nil, 400, "INVALID_REQUEST"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if e := f.c.MustFail(t, c.status, c.method, c.path, c.body); e.Code != c.code {
				t.Fatalf("code %s, want %s (%s)", e.Code, c.code, e.Message)
			}
		})
	}
	// A task without a run config says so.
	archive, _ := executionstest.Archive(executionstest.JobManifest("unconfigured", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	_, raw := f.upload(archive, "")
	var pub state.ArtifactPublishResult
	mustJSON(t, raw, &pub)
	if e := f.c.MustFail(t, 409, "POST", "/processing/executions", map[string]any{"executable": pub.TaskID}); e.Code != "TASK_NOT_CONFIGURED" {
		t.Fatalf("unconfigured: %+v", e)
	}
}

func TestDuplicateAndStaleReportsChangeNothing(t *testing.T) {
	f := start(t)
	task := f.jobTask("idem", nil)
	f.engine("engine-1", func(*state.Execution) executionstest.Behavior { return executionstest.Behavior{} })
	id := f.run(task, nil)
	before := f.wait(id, state.ExecSuccess)
	svc := f.srv.Executions()
	ctx := context.Background()
	for _, u := range []state.StatusUpdate{
		{EngineID: "engine-1", Attempt: 1, Status: state.ExecSuccess},
		{EngineID: "engine-1", Attempt: 1, Status: state.ExecFailed, Message: "late duplicate"},
		{EngineID: "engine-9", Attempt: 7, Status: state.ExecFailed},
	} {
		if err := svc.ReportStatus(ctx, id, u); err != nil {
			t.Fatalf("report %+v: %v", u, err)
		}
	}
	after := f.wait(id, state.ExecSuccess)
	if !after.FinishedAt.Equal(*before.FinishedAt) || after.ErrorMessage != "" {
		t.Fatalf("a duplicate report changed the record: %+v", after.Execution)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	f := start(t)
	task := f.jobTask("listed", map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "parallelExecutionAllowed": true})
	f.engine("engine-1", func(*state.Execution) executionstest.Behavior { return executionstest.Behavior{} })
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, f.run(task, nil))
	}
	for _, id := range ids {
		f.wait(id, state.ExecSuccess)
	}
	var page executions.Page
	f.c.Must(t, 200, "GET", "/processing/executions?status=execution_successful&engineId=engine-1&taskId="+task+"&limit=2&offset=1", nil, &page)
	if page.Total != 5 || len(page.Items) != 2 || page.Items[0].ID != ids[3] {
		t.Fatalf("page: total %d, %d items", page.Total, len(page.Items))
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	f.c.Must(t, 200, "GET", "/processing/executions?from="+future, nil, &page)
	if page.Total != 0 {
		t.Fatalf("time filter kept %d", page.Total)
	}
	// From a run's trigger time on: it and the later ones (the listing
	// stops at the first older record).
	third := f.wait(ids[2], state.ExecSuccess)
	f.c.Must(t, 200, "GET", "/processing/executions?from="+third.TriggerTime.UTC().Format(time.RFC3339Nano), nil, &page)
	if page.Total != 3 || page.Items[2].ID != ids[2] {
		t.Fatalf("from the third run: total %d", page.Total)
	}
}

// An engine goes away mid-run: the execution ends at its timeout with the
// reason; when the engine comes back and reports what it ran, the record
// keeps that too, without a second outcome.
func TestEngineAwayPastTheTimeoutThenBack(t *testing.T) {
	f := start(t)
	task := f.jobTask("away", nil)
	id := f.run(task, map[string]any{"timeout": 1})
	v := f.wait(id, state.ExecDispatching) // assigned; no engine session picks it up
	svc, ctx := f.srv.Executions(), context.Background()
	if err := svc.ReportStatus(ctx, id, state.StatusUpdate{EngineID: v.EngineID, Attempt: v.Attempt, Status: state.ExecStarting}); err != nil {
		t.Fatal(err)
	}
	v = f.wait(id, state.ExecTerminatedTimeout)
	if !strings.Contains(v.ErrorMessage, "engine-1") {
		t.Fatalf("reason %q does not name the engine", v.ErrorMessage)
	}
	for i := 0; i < 2; i++ { // the engine is back; it may repeat itself
		if err := svc.ReportStatus(ctx, id, state.StatusUpdate{EngineID: v.EngineID, Attempt: v.Attempt, Status: state.ExecSuccess}); err != nil {
			t.Fatal(err)
		}
	}
	after := f.wait(id, state.ExecTerminatedTimeout)
	if after.EngineReportedStatus != state.ExecSuccess || !after.FinishedAt.Equal(*v.FinishedAt) {
		t.Fatalf("after the engine's report: %+v", after.Execution)
	}
}

// The engine cannot find or install the artifact: DEPLOY_FAILED with its
// message.
func TestArtifactMissingOnTheEngineIsDeployFailed(t *testing.T) {
	f := start(t)
	task := f.jobTask("missing", nil)
	id := f.run(task, nil)
	v := f.wait(id, state.ExecDispatching)
	msg := "artifact " + v.ArtifactDigest + " could not be downloaded"
	if err := f.srv.Executions().ReportStatus(context.Background(), id,
		state.StatusUpdate{EngineID: v.EngineID, Attempt: v.Attempt, Status: state.ExecDeployFailed, Message: msg}); err != nil {
		t.Fatal(err)
	}
	v = f.wait(id, state.ExecDeployFailed)
	if v.Status != "deploy_failed" || v.ErrorMessage != msg {
		t.Fatalf("deploy failure: %+v", v.Execution)
	}
}

// Roles open the endpoints; inside a workspace only its permissions count.
func TestRunNeedsExecuteOnTheWorkspace(t *testing.T) {
	f := start(t)
	task := f.jobTask("guarded", nil)
	u := f.srv.NewUser(t, state.PermOperator)
	c := f.srv.Client(u.Token)
	e := c.MustFail(t, 403, "POST", "/processing/executions", map[string]any{"executable": task})
	if !strings.Contains(e.Message, "EXECUTE") {
		t.Fatalf("no Execute: %+v", e)
	}
	f.c.Must(t, 201, "POST", "/security/workspaces/"+f.wsID+"/users/"+u.ID+"/permissions", []string{"VIEW"}, nil)
	c.MustFail(t, 403, "POST", "/orchestration/executables/tasks/"+task+"/run", nil)
	c.MustFail(t, 403, "POST", "/orchestration/executables/tasks/"+task+"/pause", nil)
	f.c.Must(t, 204, "PUT", "/security/workspaces/"+f.wsID+"/users/"+u.ID+"/permissions", []string{"EXECUTE", "VIEW"}, nil)
	var out state.ExecutionCreated
	c.Must(t, 201, "POST", "/processing/executions", map[string]any{"executable": task}, &out)
	c.MustFail(t, 403, "POST", "/orchestration/executables/tasks", map[string]any{"name": "x", "workspaceId": f.wsID,
		"artifact": map[string]any{"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "version": "1"}})
}

// The leader deletes finished execution records past the retention; each
// node deletes their logs.
func TestRetentionPrunesFinishedExecutions(t *testing.T) {
	f := start(t, func(c *executions.Config) {
		c.Retention, c.RetentionEvery = 300*time.Millisecond, 50*time.Millisecond
	})
	task := f.jobTask("short-lived", nil)
	f.engine("engine-1", func(*state.Execution) executionstest.Behavior {
		return executionstest.Behavior{Logs: []string{"bye"}}
	})
	id := f.run(task, nil)
	f.wait(id, state.ExecSuccess)
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _, _ := f.c.Do("GET", "/processing/executions/"+id, nil)
		if status == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution still there after the retention (status %d)", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	logs := filepath.Join(f.srv.Executions().Config().LogDir, id+".ndjson")
	for {
		if _, err := os.Stat(logs); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("log file still there after the retention")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
