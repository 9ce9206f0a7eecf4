package executions_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Finished executions leave memory for the node's history store; the API
// answers the same for them, next to unfinished ones, and after a restart
// that rebuilds the history from the snapshot and the log.
func TestFinishedExecutionsReadTheSameFromHistory(t *testing.T) {
	dir := executionstest.NewDirectory()
	cfg := restartableConfig(t, dir)
	srv, stop := cptest.Boot(t, cfg)
	base := "http://" + srv.Addr()
	env, _, err := executionstest.SharedWorkspace(base, cptest.AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	dir.AddEngine("engine-1", env)
	archive, _ := executionstest.Archive(executionstest.JobManifest("kept", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	var pub state.ArtifactPublishResult
	call(t, base, "POST", "/orchestration/artifacts", "application/gzip", archive, &pub)
	rc, _ := json.Marshal(map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "parallelExecutionAllowed": true})
	call(t, base, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", "application/json", rc, nil)
	run := func() string {
		body, _ := json.Marshal(map[string]any{"executable": pub.TaskID})
		var out state.ExecutionCreated
		call(t, base, "POST", "/processing/executions", "application/json", body, &out)
		return out.ExecutionID
	}

	stopEngine := runFakeEngine(srv.Server)
	var ids []string
	for i := 0; i < 3; i++ {
		if i == 2 { // the third is only in the log after the snapshot
			if err := srv.Node().Snapshot(); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, run())
		waitStatus(t, base, ids[i], state.ExecSuccess)
	}
	stopEngine()
	dir.SetAvailable("engine-1", false)
	ids = append(ids, run()) // stays queued: unfinished, in memory
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)

	check := func(when string) {
		t.Helper()
		for _, id := range ids[:3] {
			var v executions.View
			if call(t, base, "GET", "/processing/executions/"+id, "", nil, &v) != 200 || v.ExecutionStatus != state.ExecSuccess {
				t.Fatalf("%s: GET %s is not a success", when, id)
			}
		}
		for _, tc := range []struct {
			query string
			want  []string
			total int
		}{
			{"", newestFirst, 4},
			{"?taskId=" + pub.TaskID + "&limit=2&offset=1", newestFirst[1:3], 4},
			{"?status=execution_successful", newestFirst[1:], 3},
			{"?engineId=engine-1&status=EXECUTION_SUCCESS&offset=2", newestFirst[3:], 3},
			{"?status=EXECUTION_EVENT_RECEIVED", newestFirst[:1], 1},
		} {
			var page executions.Page
			call(t, base, "GET", "/processing/executions"+tc.query, "", nil, &page)
			var got []string
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			if page.Total != tc.total || !slices.Equal(got, tc.want) {
				t.Fatalf("%s: list %q: total %d %v, want %d %v", when, tc.query, page.Total, got, tc.total, tc.want)
			}
		}
	}
	check("before the restart")
	var audit []state.AuditEntry
	call(t, base, "GET", "/account/audit-logs?limit=1000", "", nil, &audit)
	if len(audit) == 0 {
		t.Fatal("no audit entries")
	}
	stop()

	srv, stop = cptest.Boot(t, cfg)
	defer stop()
	base = "http://" + srv.Addr()
	// Serving starts before the log is replayed: wait for its last write.
	waitStatus(t, base, ids[3], state.ExecEventReceived)
	check("after the restart")
	var again []state.AuditEntry
	call(t, base, "GET", "/account/audit-logs?limit=1000", "", nil, &again)
	if len(again) < len(audit) || again[len(audit)-1] != audit[len(audit)-1] {
		t.Fatalf("audit entries after the restart: %d, want the %d from before first", len(again), len(audit))
	}
}

func runFakeEngine(srv *controlplane.Server) func() {
	e := &executionstest.Engine{ID: "engine-1", Execs: srv.Executions(), Read: srv.Node().Read}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	return func() { cancel(); <-done }
}

func waitStatus(t *testing.T, base, id, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var v executions.View
		if call(t, base, "GET", "/processing/executions/"+id, "", nil, &v) == 200 && v.ExecutionStatus == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s is not %s", id, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
