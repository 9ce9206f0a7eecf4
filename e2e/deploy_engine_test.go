package e2e

import (
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// processAlive is false for a pid that is gone or a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// Issue 9, scenario 4, with the real control plane: a data service
// deployed SINGLE_NODE on a real roundhouse-engine answers throughout
// while the agent is killed -9 and started again; its processes are the
// same ones after, the deployment is still RUNNING on the same port, and
// the new agent controls it: undeploy ends the processes and frees the
// port (an agent that had not reattached it would leave them running).
func TestDeployedServiceSurvivesEngineKill9(t *testing.T) {
	f := startDeployFixture(t, "solo", 0, "1s", "3s")
	e := f.startEngine("solo-1", "")
	f.engines = append(f.engines, e)
	f.must(f.fleet.AddEngineProfile(e.id, state.RunProfileMicroservice))
	task := f.serviceTask("inventory", []string{"2.5.0"}, nil, map[string]any{
		"runtime": map[string]any{"type": state.RuntimeEngine, "id": e.id}, "deploymentStrategy": state.StrategySingleNode})
	f.deploy(task)
	if r := f.waitRollout(task, time.Minute); r.Status != state.RolloutSuccessful {
		t.Fatalf("deploy: %+v", r)
	}
	rec := f.waitAll(task, protocol.DeployRunning, "2.5.0", 30*time.Second)[0]
	procs := workloadProcesses(e.dir)
	if len(procs) != 2 {
		t.Fatalf("workload processes %v; want the plugin and the service", describe(procs))
	}

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
			if body, err := httpGetAt(e.addr, rec.Port); err == nil && body == "2.5.0" {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
		}
	})
	e.proc.kill9()
	engEventually(t, 30*time.Second, "solo-1 NOT_AVAILABLE", func() bool { return f.cp.engine(e.id).Availability == state.EngineNotAvailable })
	f.run(e)
	served := ok.Load()
	engEventually(t, 10*time.Second, "requests after the restart", func() bool { return ok.Load() > served+10 })
	close(stop)
	client.Wait()
	if failed.Load() != 0 {
		t.Fatalf("across kill -9 and restart: %d of %d requests failed", failed.Load(), ok.Load()+failed.Load())
	}
	after := f.deployments(task)[0]
	if after.DeploymentID != rec.DeploymentID || after.Status != protocol.DeployRunning || after.Port != rec.Port ||
		!slices.Equal(workloadProcesses(e.dir), procs) {
		t.Fatalf("after the restart: %+v, processes %v; want %s RUNNING on %d, processes %v", after, describe(workloadProcesses(e.dir)),
			rec.DeploymentID, rec.Port, procs)
	}
	t.Logf("%d requests answered across the kill -9 and restart, none failed", ok.Load())

	f.undeployAll(task)
	if left := workloadProcesses(e.dir); len(left) != 0 {
		t.Fatalf("after the undeploy: processes %v", describe(left))
	}
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(rec.Port))
	if err != nil {
		t.Fatalf("port %d not freed: %v", rec.Port, err)
	}
	ln.Close()
}
