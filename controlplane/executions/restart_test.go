package executions_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// A queued execution survives a restart from a snapshot and still runs:
// the state the dispatcher needs is part of the snapshot.
func TestQueuedExecutionSurvivesARestartFromASnapshot(t *testing.T) {
	dir := executionstest.NewDirectory()
	cfg := restartableConfig(t, dir)
	boot := func() (*controlplane.Server, func()) {
		srv, err := controlplane.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = srv.Run(ctx) }()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if ready("http://" + srv.Addr()) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("not serving")
			}
			time.Sleep(20 * time.Millisecond)
		}
		return srv, func() { cancel(); <-done }
	}
	srv, stop := boot()
	base := "http://" + srv.Addr()
	env, _, err := executionstest.SharedWorkspace(base, cptest.AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	dir.AddEngine("engine-1", env)
	dir.SetAvailable("engine-1", false)
	archive, _ := executionstest.Archive(executionstest.JobManifest("durable", "1.0.0"), nil)
	var pub state.ArtifactPublishResult
	call(t, base, "POST", "/orchestration/artifacts", "application/gzip", archive, &pub)
	rc, _ := json.Marshal(map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "timeout": 60})
	call(t, base, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", "application/json", rc, nil)
	body, _ := json.Marshal(map[string]any{"executable": pub.TaskID})
	var out state.ExecutionCreated
	call(t, base, "POST", "/processing/executions", "application/json", body, &out)
	if err := srv.Node().Snapshot(); err != nil {
		t.Fatal(err)
	}
	stop()

	srv, stop = boot()
	defer stop()
	dir.SetAvailable("engine-1", true)
	e := &executionstest.Engine{ID: "engine-1", Execs: srv.Executions(), Read: srv.Node().Read}
	ctx, cancel := context.WithCancel(context.Background())
	engineDone := make(chan struct{})
	go func() { defer close(engineDone); e.Run(ctx) }()
	defer func() { cancel(); <-engineDone }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var v executions.View
		call(t, "http://"+srv.Addr(), "GET", "/processing/executions/"+out.ExecutionID, "", nil, &v)
		if v.ExecutionStatus == state.ExecSuccess {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart the execution is %s", v.ExecutionStatus)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ready(base string) bool {
	status, _, err := (&cptest.Client{URL: base, Token: cptest.AdminToken}).Do("GET", "/account/me", nil)
	return err == nil && status == 200
}

// restartableConfig is a node config that can be booted again over the
// same data dir and raft address (the restart tests).
func restartableConfig(t *testing.T, dir *executionstest.Directory) controlplane.Config {
	t.Helper()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	raftAddr := ln.Addr().String()
	ln.Close()
	return controlplane.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", QUICAddr: "127.0.0.1:0", RaftAddr: raftAddr,
		BootstrapToken: cptest.AdminToken, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Executions: executions.Config{Engines: dir, Rescan: 20 * time.Millisecond}}
}
