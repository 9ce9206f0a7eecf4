package executions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// fixture is a real single-node control plane with a fake engine
// directory; time-based rules run with short configured intervals.
type fixture struct {
	t     *testing.T
	srv   *cptest.Server
	c     *cptest.Client
	dir   *executionstest.Directory
	envID string
	wsID  string
}

var shortDelays = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond}

func start(t *testing.T, mutate ...func(*executions.Config)) *fixture {
	t.Helper()
	dir := executionstest.NewDirectory()
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.Executions = executions.Config{Engines: dir, Minute: 200 * time.Millisecond, RetryDelays: shortDelays,
			Rescan: 20 * time.Millisecond, StopGrace: 300 * time.Millisecond}
		for _, m := range mutate {
			m(&c.Executions)
		}
	})
	f := &fixture{t: t, srv: srv, c: srv.Client(cptest.AdminToken), dir: dir}
	var err error
	if f.envID, f.wsID, err = executionstest.SharedWorkspace(srv.URL, cptest.AdminToken); err != nil {
		t.Fatal(err)
	}
	dir.AddEngine("engine-1", f.envID)
	return f
}

// upload publishes an artifact archive and returns the answer.
func (f *fixture) upload(body []byte, query string) (int, []byte) {
	f.t.Helper()
	status, raw, err := f.c.Send("POST", "/orchestration/artifacts"+query, "application/gzip", body)
	if err != nil {
		f.t.Fatal(err)
	}
	return status, raw
}

// jobTask publishes a job artifact (which creates its task) and gives
// the task a run config.
func (f *fixture) jobTask(name string, runConfig map[string]any) string {
	f.t.Helper()
	archive, err := executionstest.Archive(executionstest.JobManifest(name, "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\necho hi\n"})
	if err != nil {
		f.t.Fatal(err)
	}
	status, raw := f.upload(archive, "")
	if status != 201 {
		f.t.Fatalf("upload: %d %s", status, raw)
	}
	var pub state.ArtifactPublishResult
	_ = json.Unmarshal(raw, &pub)
	if pub.TaskID == "" {
		f.t.Fatalf("publishing did not create a task: %s", raw)
	}
	if runConfig == nil {
		runConfig = map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}}
	}
	f.c.Must(f.t, 204, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", runConfig, nil)
	return pub.TaskID
}

// engine starts a fake engine until the test ends.
func (f *fixture) engine(id string, behave func(*state.Execution) executionstest.Behavior) *executionstest.Engine {
	e := &executionstest.Engine{ID: id, Execs: f.srv.Executions(), Read: f.srv.Node().Read, Behave: behave}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	f.t.Cleanup(func() { cancel(); <-done })
	return e
}

func (f *fixture) run(taskID string, body map[string]any) string {
	f.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["executable"] = taskID
	var out state.ExecutionCreated
	f.c.Must(f.t, 201, "POST", "/processing/executions", body, &out)
	return out.ExecutionID
}

// wait polls an execution until it has one of the statuses.
func (f *fixture) wait(id string, want ...string) executions.View {
	f.t.Helper()
	return f.waitFor(id, fmt.Sprintf("one of %v", want), func(v executions.View) bool { return slices.Contains(want, v.ExecutionStatus) })
}

// waitFor polls an execution until cond holds.
func (f *fixture) waitFor(id, what string, cond func(executions.View) bool) executions.View {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var v executions.View
		f.c.Must(f.t, 200, "GET", "/processing/executions/"+id, nil, &v)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("execution %s is %s (%s), want %s", id, v.ExecutionStatus, v.ErrorMessage, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustJSON(t *testing.T, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// readExecution reads an execution on a node's replica; nil if it has none.
func readExecution(t *testing.T, n interface{ Node() *cluster.Node }, id string) *state.Execution {
	t.Helper()
	e, err := state.ExecutionByID(n.Node().Read(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
