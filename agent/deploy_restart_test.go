package agent

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
)

// reportedAs finds a deployment in the reports of work streams after
// session.
// (the latest one).
func reportedAs(s *fakeServer, after int, id string) (protocol.DeploymentStatus, bool) {
	reps := s.reportsSnapshot()
	for i := len(reps) - 1; i >= 0; i-- {
		rep := reps[i]
		if rep.session <= after {
			continue
		}
		for _, st := range rep.Deployments {
			if st.DeploymentID == id {
				return st, true
			}
		}
	}
	return protocol.DeploymentStatus{}, false
}

func TestServiceSurvivesAgentRestartsAndItsDeathIsReported(t *testing.T) {
	r := newDeployRig(t)
	s := r.s
	pidFile := filepath.Join(t.TempDir(), "svc.pid")
	s.push(&protocol.Deploy{DeploymentID: "dep-r", TaskID: "task-r", Artifact: r.artifact("stock", "3.1", artifact.TypeDataService, artifact.BinaryMicroservice),
		BinaryType: artifact.BinaryMicroservice, MetricPath: "stock", Parameters: map[string]string{"PIDFILE": pidFile}})
	st := r.waitStatus("dep-r", protocol.DeployRunning, 20*time.Second)
	pid := readPid(t, pidFile)

	// A client keeps calling the service while the agent restarts.
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var client sync.WaitGroup
	client.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if body, err := get(t, st.Port, "/"); err == nil && body == "3.1" {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
		}
	})
	before := s.sessions()
	r.stopAgent()
	r.start()
	waitFor(t, 10*time.Second, "a report of the new session with the deployment RUNNING on its port", func() bool {
		got, found := reportedAs(s, before, "dep-r")
		return found && got.Status == protocol.DeployRunning && got.Port == st.Port && got.Healthy
	})
	served := ok.Load()
	waitFor(t, 5*time.Second, "requests served after the restart", func() bool { return ok.Load() > served+10 })
	close(stop)
	client.Wait()
	if failed.Load() != 0 || !alive(pid) {
		t.Fatalf("across the restart: %d requests failed (%d served), service process alive %v", failed.Load(), ok.Load(), alive(pid))
	}
	waitFor(t, 5*time.Second, "metrics from the reattached service", func() bool {
		ms := s.metricsOf("dep-r")
		return len(ms) > 0 && ms[len(ms)-1].RequestsTotal >= ok.Load()
	})

	// Killed while the agent runs: FAILED, Task execution failed.
	if err := killPid(pid); err != nil {
		t.Fatal(err)
	}
	got := r.waitStatus("dep-r", protocol.DeployFailed, 10*time.Second)
	if got.SubStatus != protocol.SubExecutionFailed {
		t.Fatalf("after the kill: %+v", got)
	}
	waitFor(t, 5*time.Second, "the port freed", func() bool { return portFree(st.Port) })
}

func TestServiceThatDiedWhileTheAgentWasDownIsReportedFailed(t *testing.T) {
	r := newDeployRig(t)
	s := r.s
	pidFile := filepath.Join(t.TempDir(), "svc.pid")
	s.push(&protocol.Deploy{DeploymentID: "dep-d", TaskID: "task-d", Artifact: r.artifact("ledger", "1.0", artifact.TypeRoute, artifact.BinaryMicroservice),
		BinaryType: artifact.BinaryMicroservice, Parameters: map[string]string{"PIDFILE": pidFile}})
	r.waitStatus("dep-d", protocol.DeployRunning, 20*time.Second)
	pid := readPid(t, pidFile)
	r.stopAgent()
	if err := killPid(pid); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the service process gone", func() bool { return !alive(pid) })
	before := s.sessions()
	r.start()
	waitFor(t, 10*time.Second, "a report after the restart: FAILED (Task execution failed)", func() bool {
		got, found := reportedAs(s, before, "dep-d")
		return found && got.Status == protocol.DeployFailed && got.SubStatus == protocol.SubExecutionFailed
	})
	if left := r.services(); len(left) != 0 {
		t.Fatalf("left running: %+v", left)
	}
}

// killPid kills pid at once (SIGKILL on Unix).
func killPid(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
