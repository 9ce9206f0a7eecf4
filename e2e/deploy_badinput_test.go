package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// Issue 7, bad input with real engines: a deploy is refused with the
// reason, and nothing recorded, on a job task, on a cluster whose engines
// run different agent versions and on a cluster with an engine NOT_AVAILABLE;
// a custom port another program holds on the host ends the deployment
// FAILED "Deploy failed" with the reason.
func TestDeployBadInput(t *testing.T) {
	f := startDeployFixture(t, "bad", 2, "1s", "3s")
	task := f.serviceTask("billing-api", []string{"1.0.0"}, nil, map[string]any{"deploymentStrategy": state.StrategyRolling,
		"minHealthySeconds": 1, "shutdownDelaySeconds": 0, "progressDeadlineSeconds": 30})

	job, err := executionstest.Archive(executionstest.JobManifest("nightly", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	f.must(err)
	var pub state.ArtifactPublishResult
	f.must(f.fleet.API.Do("POST", "/orchestration/artifacts", job, &pub))
	f.refused(pub.TaskID, http.StatusBadRequest, `task "nightly" runs a job`)

	other := f.startEngine("bad-3", otherVersionEngine(t))
	f.join(other)
	f.refused(task, http.StatusConflict, "must all run one agent version")
	f.refused(task, http.StatusConflict, "; bad-3 at e2e-other") // after "bad-1, bad-2 at dev" in either order
	f.must(f.fleet.API.Do("DELETE", clustersPath+f.clusterID+"/engines/"+other.id, nil, nil))
	f.engines = f.engines[:2]

	f.engines[1].proc.kill9()
	engEventually(t, 30*time.Second, "bad-2 NOT_AVAILABLE", func() bool { return f.cp.engine(f.engines[1].id).Availability == state.EngineNotAvailable })
	f.refused(task, http.StatusConflict, `engine "bad-2" is NOT_AVAILABLE: it must be available to deploy`)
	f.run(f.engines[1])

	taken, err := net.Listen("tcp", ":0")
	f.must(err)
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	rc := map[string]any{"runtime": map[string]any{"type": state.RuntimeEngineCluster, "id": f.clusterID},
		"deploymentStrategy": state.StrategyRolling, "minHealthySeconds": 1, "progressDeadlineSeconds": 30,
		"port": map[string]any{"type": "CUSTOM", "value": port}}
	f.must(f.fleet.API.Do("PUT", tasksPath+task+"/run-config", rc, nil))
	f.deploy(task)
	r := f.waitRollout(task, time.Minute)
	d := f.deployments(task)[0]
	if r.Status != state.RolloutFailed || d.Status != protocol.DeployFailed || d.SubStatus != protocol.SubDeployFailed ||
		!strings.Contains(d.Message, strconv.Itoa(port)) || !strings.Contains(r.Message, "Deploy failed") {
		t.Fatalf("custom port %d taken: rollout %+v, bad-1's record %+v; want FAILED Deploy failed with the port", port, r, d)
	}
	t.Logf("port taken: %s; rollout: %s", d.Message, r.Message)
}

// refused deploys task, wants status with reason in the error, and wants
// no rollout recorded.
func (f *deployFixture) refused(task string, status int, reason string) {
	f.t.Helper()
	code, body, err := f.fleet.API.Raw("POST", tasksPath+task+"/deploy", nil)
	f.must(err)
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	if code != status || !strings.Contains(e.Message, reason) {
		f.t.Fatalf("deploy: %d %s; want %d with %q", code, body, status, reason)
	}
	var rollouts []json.RawMessage
	f.must(f.fleet.API.Do("GET", tasksPath+task+"/rollouts", nil, &rollouts))
	if len(rollouts) != 0 {
		f.t.Fatalf("a refused deploy recorded rollouts: %s", rollouts)
	}
}

// otherVersionEngine builds roundhouse-engine with the version
// "e2e-other" (the harness's build says "dev"): a real agent of another
// version, for the mixed-version rule.
func otherVersionEngine(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "roundhouse-engine")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version=e2e-other", "-o", out, "../cmd/roundhouse-engine")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}
