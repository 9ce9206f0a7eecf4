package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/internal/testnet"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

func freeTCPPort(t *testing.T) int {
	t.Helper()
	p, err := testnet.Port()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A runtime artifact becomes a bundle of the engine's one runtime
// container, under /NAME/ on the container's port; undeploying removes
// the bundle and leaves the container (and other bundles) running.
func TestRuntimeDeploymentsShareTheContainer(t *testing.T) {
	r := newDeployRig(t)
	s := r.s
	port := freeTCPPort(t) // instead of 8040, which another test may hold
	for _, d := range []struct{ id, task, name string }{{"dep-a", "task-a", "quotes"}, {"dep-b", "task-b", "rates"}} {
		s.push(&protocol.Deploy{DeploymentID: d.id, TaskID: d.task, Artifact: r.artifact(d.name, "1.2", artifact.TypeRoute, artifact.BinaryRuntime),
			BinaryType: artifact.BinaryRuntime, Port: port, MetricPath: d.name})
		st := r.waitStatus(d.id, protocol.DeployRunning, 20*time.Second)
		if st.Port != port || !st.Healthy {
			t.Fatalf("%s running: %+v, want port %d", d.id, st, port)
		}
		if body, err := get(t, port, "/"+d.name+"/"); err != nil || body != "1.2" {
			t.Fatalf("GET /%s/: %q %v", d.name, body, err)
		}
	}
	waitFor(t, 5*time.Second, "route metrics of the bundle's own request", func() bool {
		ms := s.metricsOf("dep-a")
		if len(ms) == 0 {
			return false
		}
		m := ms[len(ms)-1]
		return m.ExchangesTotal == 1 && m.ExchangesCompleted == 1 && m.ExchangesFailed == 0 && m.RequestsTotal == 0
	})
	// The same artifact from another task is refused: once per runtime.
	s.push(&protocol.Deploy{DeploymentID: "dep-c", TaskID: "task-c", Artifact: r.artifact("quotes", "1.3", artifact.TypeRoute, artifact.BinaryRuntime),
		BinaryType: artifact.BinaryRuntime, Port: port})
	if st := r.waitStatus("dep-c", protocol.DeployFailed, 10*time.Second); !strings.Contains(st.Message, "already runs in the runtime container for task task-a") {
		t.Fatalf("second copy of an artifact: %+v", st)
	}

	s.push(&protocol.Undeploy{DeploymentID: "dep-a", TaskID: "task-a"})
	r.waitStatus("dep-a", protocol.DeployUndeployed, 10*time.Second)
	if _, err := get(t, port, "/quotes/"); err == nil {
		t.Fatal("the undeployed bundle still answers")
	}
	if body, err := get(t, port, "/rates/"); err != nil || body != "1.2" {
		t.Fatalf("the other bundle after the undeploy: %q %v", body, err)
	}
	if svc := r.services(); len(svc) != 1 || svc[0].Kind != runtime.KindContainer {
		t.Fatalf("workloads: %+v, want the container only", svc)
	}
}
