package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// jobNode is a node whose engine "engine-1" is a fake engine that runs
// each execution as behave says.
func jobNode(t *testing.T, behave func(*state.Execution) executionstest.Behavior) *api.Client {
	t.Helper()
	dir := executionstest.NewDirectory()
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.Executions = executions.Config{Engines: dir, Minute: 200 * time.Millisecond, Rescan: 20 * time.Millisecond}
	})
	c, err := api.New(api.Config{Address: srv.URL, Token: cptest.AdminToken})
	if err != nil {
		t.Fatal(err)
	}
	envID := grantShared(t, c)
	dir.AddEngine("engine-1", envID)
	e := &executionstest.Engine{ID: "engine-1", Execs: srv.Executions(), Read: srv.Node().Read, Behave: behave}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

// grantShared gives the caller every right on the default environment's
// Shared workspace (roles grant nothing inside workspaces) and returns
// the environment's ID.
func grantShared(t *testing.T, c *api.Client) string {
	t.Helper()
	envs, err := c.Environments().List(ctx(t), "default")
	if err != nil || len(envs) != 1 {
		t.Fatalf("default environment: %v %v", envs, err)
	}
	wss, err := c.Workspaces().List(ctx(t), api.WorkspaceFilter{EnvironmentID: envs[0].ID, Type: "SHARED"})
	if err != nil || len(wss) != 1 {
		t.Fatalf("Shared workspace: %v %v", wss, err)
	}
	me, err := c.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	rights := []string{api.RightAuthor, api.RightExecute, api.RightView, api.RightManage, api.RightPublish}
	if err := c.UserPermissions().Grant(ctx(t), wss[0].ID, me.ID, rights...); err != nil {
		t.Fatal(err)
	}
	if got, err := c.UserPermissions().Get(ctx(t), wss[0].ID, me.ID); err != nil || len(got.Permissions) != len(rights) {
		t.Fatalf("granted rights = %+v, %v", got, err)
	}
	return envs[0].ID
}

// jobTask uploads a job artifact and points its task at engine-1.
func jobTask(t *testing.T, c *api.Client, name string) string {
	t.Helper()
	archive, err := executionstest.Archive(executionstest.JobManifest(name, "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\necho hi\n"})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := c.Artifacts().Upload(ctx(t), "", bytes.NewReader(archive), int64(len(archive)))
	if err != nil || pub.TaskID == "" || pub.Name != name || pub.Version != "1.0.0" {
		t.Fatalf("upload = %+v, %v", pub, err)
	}
	rc := api.RunConfig{Runtime: api.TaskRuntime{Type: api.RuntimeEngine, ID: "engine-1"}, ParallelExecutionAllowed: true}
	if err := c.Tasks().SetRunConfig(ctx(t), pub.TaskID, rc); err != nil {
		t.Fatal(err)
	}
	return pub.TaskID
}

func TestUploadRunAndReadAnExecution(t *testing.T) {
	c := jobNode(t, func(*state.Execution) executionstest.Behavior {
		return executionstest.Behavior{Logs: []string{"one", "two"}}
	})
	ctx := ctx(t)
	task := jobTask(t, c, "nightly")
	if got, err := c.Tasks().RunConfig(ctx, task); err != nil || got.Runtime.ID != "engine-1" {
		t.Fatalf("run config = %+v, %v", got, err)
	}
	run, err := c.Executions().Run(ctx, api.RunRequest{Executable: task, Parameters: map[string]string{"GREETING": "hi"}})
	if err != nil || run.ExecutionID == "" {
		t.Fatalf("run = %+v, %v", run, err)
	}
	e, err := c.Executions().Wait(ctx, run.ExecutionID, 20*time.Millisecond, nil)
	if err != nil || e.ExecutionStatus != "EXECUTION_SUCCESS" || e.TaskID != task || e.Parameters["GREETING"] != "hi" {
		t.Fatalf("finished execution = %+v, %v", e, err)
	}
	lines, err := c.Executions().Logs(ctx, run.ExecutionID)
	if err != nil || len(lines) != 2 || lines[0].Message != "one" || lines[1].Message != "two" {
		t.Fatalf("logs = %+v, %v", lines, err)
	}
}

// A followed log yields lines while the execution runs and ends with
// io.EOF when it has ended.
func TestFollowLogsStreamsUntilTheEnd(t *testing.T) {
	release := make(chan struct{})
	c := jobNode(t, func(*state.Execution) executionstest.Behavior {
		return executionstest.Behavior{Logs: []string{"started"}, Until: release}
	})
	ctx := ctx(t)
	run, err := c.Executions().Run(ctx, api.RunRequest{Executable: jobTask(t, c, "follow")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Executions().Wait(ctx, run.ExecutionID, 20*time.Millisecond, func(e *api.Execution) bool {
		return e.StartedAt != nil
	}); err != nil {
		t.Fatal(err)
	}
	st, err := c.Executions().FollowLogs(ctx, run.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	first, err := st.Next()
	if err != nil || first.Message != "started" {
		t.Fatalf("first line = %+v, %v", first, err)
	}
	close(release) // the run ends; the stream must end too
	for {
		if _, err := st.Next(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
}

// All walks every page of a list.
func TestAllWalksEveryPage(t *testing.T) {
	c := jobNode(t, nil)
	ctx := ctx(t)
	task := jobTask(t, c, "paged")
	var want []string
	for range 5 {
		run, err := c.Tasks().Run(ctx, task, api.RunRequest{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, run.ExecutionID)
	}
	var got []string
	for e, err := range api.All(ctx, api.ListOptions{Limit: 2}, func(ctx context.Context, o api.ListOptions) (*api.Page[api.Execution], error) {
		return c.Executions().List(ctx, api.ExecutionFilter{TaskID: task, ListOptions: o})
	}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("walked %v, want %v", got, want)
	}
	page, err := c.Tasks().Executions(ctx, task, api.ListOptions{Limit: 2, Offset: 4})
	if err != nil || page.Total != 5 || len(page.Items) != 1 || page.Offset != 4 {
		t.Fatalf("last page = %+v, %v", page, err)
	}
}
