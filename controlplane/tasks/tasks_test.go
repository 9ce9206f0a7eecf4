package tasks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const base = "/orchestration/executables/tasks"

type fixture struct {
	srv         *cptest.Server
	c           *cptest.Client
	env, shared string
	artifactID  string
}

func start(t *testing.T) *fixture {
	dir := executionstest.NewDirectory()
	srv := cptest.Start(t, func(c *controlplane.Config) { c.Executions.Engines = dir })
	f := &fixture{srv: srv, c: srv.Client(cptest.AdminToken)}
	var err error
	if f.env, f.shared, err = executionstest.SharedWorkspace(srv.URL, cptest.AdminToken); err != nil {
		t.Fatal(err)
	}
	dir.AddEngine("engine-1", f.env)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		archive, _ := executionstest.Archive(executionstest.JobManifest("loader", v), nil)
		status, raw, err := srv.Client(cptest.AdminToken).Send("POST", "/orchestration/artifacts", "application/gzip", archive)
		if err != nil || status != 201 {
			t.Fatalf("upload %s: %v %d %s", v, err, status, raw)
		}
		var pub state.ArtifactPublishResult
		_ = json.Unmarshal(raw, &pub)
		f.artifactID = pub.ID
	}
	return f
}

func (f *fixture) create(t *testing.T, name, ws string, extra map[string]any) state.Task {
	body := map[string]any{"name": name, "environmentId": f.env, "workspaceId": ws,
		"artifact": map[string]any{"id": f.artifactID, "version": "1.0.0"}, "parameters": map[string]string{"CITY": "Lyon"}}
	for k, v := range extra {
		body[k] = v
	}
	var tk state.Task
	f.c.Must(t, 201, "POST", base, body, &tk)
	return tk
}

func TestTaskLifecycle(t *testing.T) {
	f := start(t)
	tk := f.create(t, "daily-load", f.shared, nil)
	if tk.ArtifactVersion != "1.0.0" || tk.Parameters["CITY"] != "Lyon" || tk.Version != 1 {
		t.Fatalf("created %+v", tk)
	}
	// Unique per workspace, case-insensitively.
	f.c.MustFail(t, 409, "POST", base, map[string]any{"name": "DAILY-LOAD", "workspaceId": f.shared,
		"artifact": map[string]any{"id": f.artifactID, "version": "1.0.0"}})
	// A new artifact version raises the task version.
	var up state.Task
	f.c.Must(t, 200, "PATCH", base+"/"+tk.ID, map[string]any{"artifact": map[string]any{"version": "1.1.0"}}, &up)
	if up.ArtifactVersion != "1.1.0" || up.Version != 2 {
		t.Fatalf("updated %+v", up)
	}
	f.c.MustFail(t, 404, "PATCH", base+"/"+tk.ID, map[string]any{"artifact": map[string]any{"version": "9.9.9"}})
	// Run config: defaults filled, readable.
	f.c.Must(t, 204, "PUT", base+"/"+tk.ID+"/run-config", map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}}, nil)
	var rc state.RunConfig
	f.c.Must(t, 200, "GET", base+"/"+tk.ID+"/run-config", nil, &rc)
	if rc.TimeoutMinutes != 5 || rc.LogLevel != "WARN" || rc.ParallelExecutionAllowed {
		t.Fatalf("defaults: %+v", rc)
	}
	// Pause records who, when and why; resume clears it.
	var paused state.Task
	f.c.Must(t, 200, "POST", base+"/"+tk.ID+"/pause", map[string]string{"reason": "quarter close"}, &paused)
	if !paused.Paused || paused.PauseReason != "quarter close" || paused.PausedBy == "" || paused.PausedAt == nil {
		t.Fatalf("paused %+v", paused)
	}
	var resumed state.Task
	f.c.Must(t, 200, "POST", base+"/"+tk.ID+"/resume", nil, &resumed)
	if resumed.Paused || resumed.PauseReason != "" {
		t.Fatalf("resumed %+v", resumed)
	}
	f.c.Must(t, 204, "DELETE", base+"/"+tk.ID, nil, nil)
	f.c.MustFail(t, 404, "GET", base+"/"+tk.ID, nil)
}

func TestAlwaysLatestRunsTheNewestVersion(t *testing.T) {
	f := start(t)
	tk := f.create(t, "latest", f.shared, map[string]any{"alwaysLatest": true, "artifact": map[string]any{"id": f.artifactID}})
	if !tk.AlwaysLatest || tk.ArtifactVersion != "" {
		t.Fatalf("created %+v", tk)
	}
	f.c.MustFail(t, 400, "POST", base, map[string]any{"name": "override-fixed", "workspaceId": f.shared,
		"artifact": map[string]any{"id": f.artifactID, "version": "1.0.0"}, "overrideParametersWithArtifactDefaults": true})
	f.c.Must(t, 204, "PUT", base+"/"+tk.ID+"/run-config", map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}}, nil)
	var out state.ExecutionCreated
	f.c.Must(t, 201, "POST", base+"/"+tk.ID+"/run", nil, &out)
	var v struct {
		ArtifactVersion string `json:"artifactVersion"`
	}
	f.c.Must(t, 200, "GET", "/processing/executions/"+out.ExecutionID, nil, &v)
	if v.ArtifactVersion != "1.1.0" {
		t.Fatalf("ran version %s, want the latest 1.1.0", v.ArtifactVersion)
	}
}

func TestMoveStaysInTheEnvironment(t *testing.T) {
	f := start(t)
	tk := f.create(t, "mover", f.shared, nil)
	var ws state.Workspace
	f.c.Must(t, 201, "POST", "/orchestration/workspaces", map[string]any{"name": "Finance", "environmentId": f.env}, &ws)
	if err := executionstest.GrantAll(f.srv.URL, cptest.AdminToken, ws.ID); err != nil {
		t.Fatal(err)
	}
	var moved state.Task
	f.c.Must(t, 200, "POST", base+"/"+tk.ID+"/move", map[string]string{"workspaceId": ws.ID}, &moved)
	if moved.WorkspaceID != ws.ID {
		t.Fatalf("moved %+v", moved)
	}
	var env state.Environment
	f.c.Must(t, 201, "POST", "/orchestration/environments", map[string]any{"name": "prod"}, &env)
	var other []state.Workspace
	f.c.Must(t, 200, "GET", "/orchestration/workspaces?environmentId="+env.ID, nil, &other)
	f.c.MustFail(t, 403, "POST", base+"/"+tk.ID+"/move", map[string]string{"workspaceId": other[0].ID})
	if err := executionstest.GrantAll(f.srv.URL, cptest.AdminToken, other[0].ID); err != nil {
		t.Fatal(err)
	}
	e := f.c.MustFail(t, 400, "POST", base+"/"+tk.ID+"/move", map[string]string{"workspaceId": other[0].ID})
	if !strings.Contains(e.Message, "own environment") {
		t.Fatalf("cross-environment move: %+v", e)
	}
	// A workspace holding tasks cannot be deleted.
	f.c.MustFail(t, 409, "DELETE", "/orchestration/workspaces/"+ws.ID, nil)
}
