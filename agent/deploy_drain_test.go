package agent

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
)

// Undeploy is graceful: a request in flight when it arrives completes.
func TestUndeployLetsInFlightRequestsFinish(t *testing.T) {
	r := newDeployRig(t)
	tmp := t.TempDir()
	entered, release := filepath.Join(tmp, "entered"), filepath.Join(tmp, "release")
	r.s.push(&protocol.Deploy{DeploymentID: "dep-s", TaskID: "task-s", Artifact: r.artifact("slowpoke", "1.0", artifact.TypeDataService, artifact.BinaryMicroservice),
		BinaryType: artifact.BinaryMicroservice, Parameters: map[string]string{"ENTERED": entered, "RELEASE": release}})
	st := r.waitStatus("dep-s", protocol.DeployRunning, 20*time.Second)
	type answer struct {
		body string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		body, err := get(t, st.Port, "/slow")
		got <- answer{body, err}
	}()
	waitFor(t, 5*time.Second, "the request in flight", func() bool { _, err := os.Stat(entered); return err == nil })
	r.s.push(&protocol.Undeploy{DeploymentID: "dep-s", TaskID: "task-s"})
	r.waitStatus("dep-s", protocol.DeployUndeploying, 5*time.Second)
	if err := os.WriteFile(release, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if a := <-got; a.err != nil || a.body != "slow done" {
		t.Fatalf("the in-flight request: %q %v", a.body, a.err)
	}
	r.waitStatus("dep-s", protocol.DeployUndeployed, 10*time.Second)
	if !portFree(st.Port) {
		t.Fatalf("port %d still taken after the undeploy", st.Port)
	}
}
