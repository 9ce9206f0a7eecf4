package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

// startAgentProcess runs the engine as a process of its own (the test
// binary's rh-agent role) against the fake server.
func startAgentProcess(t *testing.T, store link.Store, rtDir string) *exec.Cmd {
	t.Helper()
	self, _ := os.Executable()
	cmd := exec.Command(self, "rh-agent", store.Dir, rtDir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// Issue 9, at the process level: the engine is killed -9 and started
// again; the service it deployed answers throughout and is reported
// RUNNING on the same port by the new process.
func TestServiceSurvivesAKilledEngineProcess(t *testing.T) {
	s := newFakeServer(t, time.Hour)
	store := pairWithFake(t, s)
	rtDir, err := os.MkdirTemp("", "rhp")
	if err != nil {
		t.Fatal(err)
	}
	r := &deployRig{t: t, s: s, store: store, rtDir: rtDir}
	engine := startAgentProcess(t, store, rtDir)
	t.Cleanup(func() {
		_ = engine.Process.Kill()
		_ = engine.Wait()
		r.stopAll()
		os.RemoveAll(rtDir)
	})
	waitFor(t, 10*time.Second, "the engine's first work stream", func() bool { return s.sessions() >= 1 })
	pidFile := filepath.Join(t.TempDir(), "svc.pid")
	s.push(&protocol.Deploy{DeploymentID: "dep-p", TaskID: "task-p", Artifact: r.artifact("payments", "4.0", artifact.TypeDataService, artifact.BinaryMicroservice),
		BinaryType: artifact.BinaryMicroservice, Parameters: map[string]string{"PIDFILE": pidFile}})
	st := r.waitStatus("dep-p", protocol.DeployRunning, 20*time.Second)
	pid := readPid(t, pidFile)

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
			if body, err := get(t, st.Port, "/"); err == nil && body == "4.0" {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
		}
	})
	before := s.sessions()
	if err := engine.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = engine.Wait()
	engine = startAgentProcess(t, store, rtDir)
	waitFor(t, 15*time.Second, "the restarted engine reports the deployment RUNNING on its port", func() bool {
		got, found := reportedAs(s, before, "dep-p")
		return found && got.Status == protocol.DeployRunning && got.Port == st.Port && got.Healthy
	})
	served := ok.Load()
	waitFor(t, 5*time.Second, "requests served after the restart", func() bool { return ok.Load() > served+10 })
	close(stop)
	client.Wait()
	if failed.Load() != 0 || !alive(pid) {
		t.Fatalf("across kill -9 and restart: %d requests failed (%d served), service process alive %v", failed.Load(), ok.Load(), alive(pid))
	}

	// The new process still controls it.
	s.push(&protocol.Undeploy{DeploymentID: "dep-p", TaskID: "task-p"})
	r.waitStatus("dep-p", protocol.DeployUndeployed, 20*time.Second)
	waitFor(t, 5*time.Second, "process gone and port free", func() bool { return !alive(pid) && portFree(st.Port) })
	sup, err := runtime.New(runtime.Config{StateDir: rtDir, Logger: quiet, WarmPlugins: -1, Cgroups: runtime.CgroupsOff})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.Close()
	for _, in := range sup.List() {
		if in.State != runtime.StateExited {
			t.Fatalf("left running: %+v", in)
		}
	}
}
