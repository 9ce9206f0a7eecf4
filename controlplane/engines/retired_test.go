package engines_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// retiredNode runs a control plane with 250 ms / 1 s heartbeats, short
// execution minutes and the given minimum engine version.
func retiredNode(t *testing.T, minVersion string) (*cptest.Server, *deploymentstest.Fleet) {
	t.Helper()
	var quicAddr string
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.EngineHeartbeatInterval, c.EngineHeartbeatTimeout = 250*time.Millisecond, time.Second
		c.EngineMinVersion = minVersion
		c.Executions = executions.Config{Minute: 200 * time.Millisecond, Rescan: 20 * time.Millisecond}
		quicAddr = c.QUICAddr
	})
	fleet, err := deploymentstest.NewFleet(srv.URL, cptest.AdminToken, quicAddr)
	if err != nil {
		t.Fatal(err)
	}
	return srv, fleet
}

type runtimeView struct {
	Availability string `json:"availability"`
	Summary      string `json:"summary"`
}

// An engine whose agent is older than --engine-min-version is RETIRED:
// its session is closed telling to upgrade, the heartbeat monitor leaves
// it RETIRED, its cluster counts it unavailable and no execution goes to
// it; the same engine with a supported agent is AVAILABLE and takes the
// queued run.
func TestEngineBelowTheMinimumVersionIsRetiredUntilUpgraded(t *testing.T) {
	srv, fleet := retiredNode(t, "1.4.0")
	c := srv.Client(cptest.AdminToken)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var eng struct{ ID, PreAuthorizedKey string }
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "old-engine", "environmentId": fleet.Env}, &eng)
	e, err := deploymentstest.Pair(ctx, fleet.QUICAddr, eng.PreAuthorizedKey, "1.2.0")
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	defer e.Stop()
	clusterID, err := fleet.AddCluster("retiring", e)
	if err != nil {
		t.Fatal(err)
	}
	enginePath, clusterPath := "/processing/runtimes/remote-engines/"+eng.ID, "/processing/runtimes/remote-engine-clusters/"+clusterID
	get := func(path string) runtimeView {
		var v runtimeView
		c.Must(t, 200, "GET", path, nil, &v)
		return v
	}
	waitFor(t, 5*time.Second, "engine RETIRED", func() bool { return get(enginePath).Availability == state.EngineRetired })
	var app *quic.ApplicationError
	if err := e.LastSessionErr(); !errors.As(err, &app) || app.ErrorCode != protocol.CloseUnsupportedVersion ||
		!strings.Contains(app.ErrorMessage, "minimum 1.4.0") || !strings.Contains(app.ErrorMessage, "upgrade roundhouse-engine") {
		t.Fatalf("session ended with %v, want CloseUnsupportedVersion naming minimum 1.4.0", err)
	}

	task := jobTask(t, srv, map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": eng.ID}, "timeout": 1000})
	var run state.ExecutionCreated
	c.Must(t, 201, "POST", "/processing/executions", map[string]any{"executable": task}, &run)
	// Longer than the heartbeat timeout: the monitor must not flip it, and
	// the dispatcher (rescanning every 20 ms) must not place the run.
	for until := time.Now().Add(1500 * time.Millisecond); time.Now().Before(until); {
		if a := get(enginePath).Availability; a != state.EngineRetired {
			t.Fatalf("retired engine became %s", a)
		}
		if s := get(clusterPath).Summary; s != "0/1 engines available" {
			t.Fatalf("cluster of a retired engine: %q", s)
		}
		var x executions.View
		c.Must(t, 200, "GET", "/processing/executions/"+run.ExecutionID, nil, &x)
		if x.EngineID != "" || e.Received(protocol.TypeStartExecution) != 0 {
			t.Fatalf("an execution went to a retired engine: %+v", x.Execution)
		}
		time.Sleep(50 * time.Millisecond)
	}

	e.Stop()
	e.Version = "1.4.0" // the upgraded agent, same identity
	e.Start()
	waitFor(t, 5*time.Second, "upgraded engine AVAILABLE", func() bool { return get(enginePath).Availability == state.EngineAvailable })
	if s := get(clusterPath).Summary; s != "1/1 engines available" {
		t.Fatalf("cluster after the upgrade: %q", s)
	}
	waitFor(t, 5*time.Second, "the queued run sent to the upgraded engine", func() bool { return e.Received(protocol.TypeStartExecution) >= 1 })
}

// Without a minimum, an old agent is served as any other.
func TestOldEnginesAreFineWithoutAMinimum(t *testing.T) {
	_, fleet := retiredNode(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := fleet.AddEngine(ctx, "old-engine", "0.9.0") // waits for AVAILABLE with its version
	if err != nil {
		t.Fatal(err)
	}
	e.Stop()
}

// jobTask publishes a job artifact and gives its task runConfig.
func jobTask(t *testing.T, srv *cptest.Server, runConfig map[string]any) string {
	t.Helper()
	archive, err := executionstest.Archive(executionstest.JobManifest("retired-job", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\necho hi\n"})
	if err != nil {
		t.Fatal(err)
	}
	status, raw, err := deploymentstest.API{URL: srv.URL, Token: cptest.AdminToken}.Raw("POST", "/orchestration/artifacts", archive)
	if err != nil || status != 201 {
		t.Fatalf("upload: %d %s %v", status, raw, err)
	}
	var pub state.ArtifactPublishResult
	if err := json.Unmarshal(raw, &pub); err != nil || pub.TaskID == "" {
		t.Fatalf("publishing did not create a task: %s", raw)
	}
	srv.Client(cptest.AdminToken).Must(t, 204, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", runConfig, nil)
	return pub.TaskID
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
