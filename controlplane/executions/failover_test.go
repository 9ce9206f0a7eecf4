package executions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func call(t *testing.T, base, method, path, contentType string, body []byte, out any) int {
	t.Helper()
	status, raw, err := (&cptest.Client{URL: base, Token: cptest.AdminToken}).Send(method, path, contentType, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil && status < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %s", method, path, raw)
		}
	}
	if status >= 300 {
		t.Logf("%s %s: %d %s", method, path, status, raw)
	}
	return status
}

// The leader is stopped while 200 executions are being dispatched: every
// one ends in exactly one final state, none is lost, none runs twice.
func TestLeaderLossDuringDispatchLosesAndDuplicatesNothing(t *testing.T) {
	dir := executionstest.NewDirectory()
	nodes := executionstest.StartCluster(t, 3, cptest.AdminToken, executions.Config{Engines: dir, Rescan: 20 * time.Millisecond})
	leader, follower := nodes[0], nodes[1]
	env, _, err := executionstest.SharedWorkspace(follower.URL, cptest.AdminToken) // read-your-writes on the follower
	if err != nil {
		t.Fatal(err)
	}
	dir.AddEngine("engine-b", env)
	dir.AddEngine("engine-c", env)
	dir.AddCluster("cluster", env, "engine-b", "engine-c")

	archive, _ := executionstest.Archive(executionstest.JobManifest("failover", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	var pub state.ArtifactPublishResult
	if status := call(t, follower.URL, "POST", "/orchestration/artifacts", "application/gzip", archive, &pub); status != 201 {
		t.Fatalf("upload through a follower: %d", status)
	}
	rc, _ := json.Marshal(map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE_CLUSTER", "id": "cluster"},
		"parallelExecutionAllowed": true, "timeout": 10})
	call(t, follower.URL, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", "application/json", rc, nil)

	// Each engine's session lives on a follower: it reads that node's
	// replica and reports through that node.
	engines := []*executionstest.Engine{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, id := range []string{"engine-b", "engine-c"} {
		n := nodes[i+1]
		e := &executionstest.Engine{ID: id, Execs: n.Executions(), Read: n.Node().Read,
			Behave: func(*state.Execution) executionstest.Behavior {
				return executionstest.Behavior{Duration: 5 * time.Millisecond}
			}}
		engines = append(engines, e)
		wg.Add(1)
		go func() { defer wg.Done(); e.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	body, _ := json.Marshal(map[string]any{"executable": pub.TaskID})
	var ids []string
	for i := 0; i < 200; i++ {
		if i == 60 {
			leader.Stop()
		}
		var out state.ExecutionCreated
		if status := call(t, follower.URL, "POST", "/processing/executions", "application/json", body, &out); status != 201 {
			t.Fatalf("submit %d: status %d", i, status)
		}
		ids = append(ids, out.ExecutionID)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, id := range ids {
		for {
			var v executions.View
			call(t, follower.URL, "GET", "/processing/executions/"+id, "", nil, &v)
			if v.ExecutionStatus == state.ExecSuccess {
				break
			}
			if state.IsFinalStatus(v.ExecutionStatus) || time.Now().After(deadline) {
				t.Fatalf("execution %s: %s %s", id, v.ExecutionStatus, v.ErrorMessage)
			}
			time.Sleep(5 * time.Millisecond)
		}
		runs := engines[0].Runs(id) + engines[1].Runs(id)
		if runs != 1 {
			t.Fatalf("execution %s ran %d times", id, runs)
		}
	}
	if engines[0].Total() == 0 || engines[1].Total() == 0 {
		t.Fatalf("runs per engine %d / %d: the cluster was not used", engines[0].Total(), engines[1].Total())
	}
}

// An upload is acknowledged once a quorum of nodes holds the blob; any
// node serves it, fetching it from a holder when it lacks it.
func TestArtifactBlobsReplicateToAQuorum(t *testing.T) {
	nodes := executionstest.StartCluster(t, 3, cptest.AdminToken, executions.Config{})
	if _, _, err := executionstest.SharedWorkspace(nodes[2].URL, cptest.AdminToken); err != nil {
		t.Fatal(err)
	}
	archive, _ := executionstest.Archive(executionstest.JobManifest("replicated", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	var pub state.ArtifactPublishResult
	if status := call(t, nodes[2].URL, "POST", "/orchestration/artifacts", "application/gzip", archive, &pub); status != 201 {
		t.Fatalf("upload: %d", status)
	}
	var versions []state.ArtifactVersion
	call(t, nodes[0].URL, "GET", "/orchestration/artifacts/"+pub.ID+"/versions?consistency=consistent", "", nil, &versions)
	if len(versions) != 1 || len(versions[0].Holders) < 2 {
		t.Fatalf("holders %+v: want a quorum of 2 of 3", versions)
	}
	for _, n := range nodes {
		status, got, err := (&cptest.Client{URL: n.URL, Token: cptest.AdminToken}).Do("GET", "/orchestration/artifact-blobs/"+pub.Digest+"?consistency=consistent", nil)
		if err != nil {
			t.Fatal(err)
		}
		if status != 200 || !bytes.Equal(got, archive) {
			t.Fatalf("node %s served %d, %d bytes", n.URL, status, len(got))
		}
	}
	// Deleting the artifact (through another node) removes the blob everywhere.
	call(t, nodes[1].URL, "DELETE", "/orchestration/executables/tasks/"+pub.TaskID, "", nil, nil)
	if status := call(t, nodes[1].URL, "DELETE", "/orchestration/artifacts/"+pub.ID, "", nil, nil); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	for _, n := range nodes {
		if n.Artifacts().Blobs().Has(pub.Digest) {
			t.Fatalf("node %s still holds the deleted blob", n.URL)
		}
	}
}

// Lines received by different nodes (an engine that reconnected elsewhere)
// come back as one log, in time order, from any node.
func TestLogsAreAssembledFromEveryHolder(t *testing.T) {
	dir := executionstest.NewDirectory()
	nodes := executionstest.StartCluster(t, 3, cptest.AdminToken, executions.Config{Engines: dir})
	env, _, err := executionstest.SharedWorkspace(nodes[0].URL, cptest.AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	dir.AddEngine("engine-1", env)
	archive, _ := executionstest.Archive(executionstest.JobManifest("logged", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	var pub state.ArtifactPublishResult
	call(t, nodes[0].URL, "POST", "/orchestration/artifacts", "application/gzip", archive, &pub)
	rc, _ := json.Marshal(map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}})
	call(t, nodes[0].URL, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", "application/json", rc, nil)
	body, _ := json.Marshal(map[string]any{"executable": pub.TaskID})
	var out state.ExecutionCreated
	call(t, nodes[0].URL, "POST", "/processing/executions", "application/json", body, &out)
	t0 := time.Now().UTC()
	ctx := context.Background()
	for i, n := range []*executionstest.Node{nodes[1], nodes[2], nodes[1]} {
		// Each node must have the execution before it accepts its lines.
		deadline := time.Now().Add(5 * time.Second)
		for readExecution(t, n, out.ExecutionID) == nil && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		line := executions.LogLine{Timestamp: t0.Add(time.Duration(i) * time.Second), Message: fmt.Sprintf("line %d", i)}
		if err := n.Executions().AppendLogs(ctx, out.ExecutionID, []executions.LogLine{line}); err != nil {
			t.Fatal(err)
		}
	}
	status, raw, err := (&cptest.Client{URL: nodes[0].URL, Token: cptest.AdminToken}).Do("GET", "/processing/executions/"+out.ExecutionID+"/logs?consistency=consistent", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var line executions.LogLine
		_ = json.Unmarshal(l, &line)
		got = append(got, line.Message)
	}
	if fmt.Sprint(got) != "[line 0 line 1 line 2]" {
		t.Fatalf("assembled log %v (%d %s)", got, status, raw)
	}
}
