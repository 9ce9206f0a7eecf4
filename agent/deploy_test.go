package agent

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
)

func TestDeploymentLifecycleOnARealService(t *testing.T) {
	r := newDeployRig(t)
	s := r.s
	waitFor(t, 5*time.Second, "an empty report right after WorkOpen", func() bool {
		reps := s.reportsSnapshot()
		return len(reps) > 0 && reps[0].session == 1 && len(reps[0].Deployments) == 0
	})
	tmp := t.TempDir()
	sick := filepath.Join(tmp, "sick")
	v1 := &protocol.Deploy{DeploymentID: "dep-1", TaskID: "task-1", Artifact: r.artifact("orders", "1.0", artifact.TypeDataService, artifact.BinaryMicroservice),
		BinaryType: artifact.BinaryMicroservice, HealthPath: "/health", MetricPath: "orders", HealthTimeoutMillis: 10_000,
		Parameters: map[string]string{"PIDFILE": filepath.Join(tmp, "v1.pid"), "SICKFILE": sick}}
	s.push(v1)
	st := r.waitStatus("dep-1", protocol.DeployRunning, 20*time.Second)
	want := []string{"DEPLOYING/Downloading task artifact", "DEPLOYING/Starting task", "RUNNING/Executing task"}
	if got := r.subStates("dep-1"); !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	all := s.statusesOf("dep-1")
	t.Logf("download %s, start to healthy %s", all[1].Time.Sub(all[0].Time), all[2].Time.Sub(all[1].Time))
	if st.Port == 0 || !st.Healthy || st.ArtifactVersion != "1.0" {
		t.Fatalf("running status %+v: want the real port, healthy, version 1.0", st)
	}
	for range 5 {
		if body, err := get(t, st.Port, "/"); err != nil || body != "1.0" {
			t.Fatalf("GET / on the reported port: %q %v", body, err)
		}
	}
	waitFor(t, 5*time.Second, "metrics with the 5 requests made", func() bool {
		ms := s.metricsOf("dep-1")
		if len(ms) == 0 {
			return false
		}
		m := ms[len(ms)-1]
		return m.RequestsTotal == 5 && m.RequestsLastMinute == 5 && m.RequestsLast15Minutes == 5 && m.Healthy
	})

	// A repeated Deploy is answered with the current status and changes nothing.
	n := len(s.statusesOf("dep-1"))
	s.push(v1)
	waitFor(t, 5*time.Second, "the status re-sent", func() bool { return len(s.statusesOf("dep-1")) > n })
	if again := s.lastStatus("dep-1"); again.Status != protocol.DeployRunning || again.Port != st.Port || len(r.services()) != 1 {
		t.Fatalf("after a repeated deploy: %+v, %d services", again, len(r.services()))
	}

	// Health changes are reported while it runs.
	if err := os.WriteFile(sick, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "an unhealthy status", func() bool {
		l := s.lastStatus("dep-1")
		return l.Status == protocol.DeployRunning && !l.Healthy
	})
	os.Remove(sick)
	waitFor(t, 5*time.Second, "healthy again", func() bool { return s.lastStatus("dep-1").Healthy })

	// A new version replaces the old instance: stopped first, then started.
	oldPid := readPid(t, filepath.Join(tmp, "v1.pid"))
	v2 := *v1
	v2.DeploymentID, v2.Artifact = "dep-2", r.artifact("orders", "2.0", artifact.TypeDataService, artifact.BinaryMicroservice)
	v2.Parameters = map[string]string{"PIDFILE": filepath.Join(tmp, "v2.pid")}
	s.push(&v2)
	st2 := r.waitStatus("dep-2", protocol.DeployRunning, 20*time.Second)
	if got := r.subStates("dep-1"); !slices.Equal(got[len(got)-2:], []string{"UNDEPLOYING/Undeploying task", "UNDEPLOYED/Task has been undeployed"}) {
		t.Fatalf("old deployment's statuses %v: want it undeployed", got)
	}
	if alive(oldPid) {
		t.Fatalf("the old version's process %d still runs", oldPid)
	}
	if body, err := get(t, st2.Port, "/"); err != nil || body != "2.0" {
		t.Fatalf("GET / after the redeploy: %q %v", body, err)
	}

	// Undeploy: nothing of the instance is left.
	newPid := readPid(t, filepath.Join(tmp, "v2.pid"))
	s.push(&protocol.Undeploy{DeploymentID: "dep-2", TaskID: "task-1"})
	r.waitStatus("dep-2", protocol.DeployUndeployed, 20*time.Second)
	if got := r.subStates("dep-2"); !slices.Equal(got[len(got)-2:], []string{"UNDEPLOYING/Undeploying task", "UNDEPLOYED/Task has been undeployed"}) {
		t.Fatalf("undeploy statuses %v", got)
	}
	if alive(newPid) || !portFree(st2.Port) || len(r.services()) != 0 {
		t.Fatalf("after undeploy: process alive %v, port %d free %v, services %+v", alive(newPid), st2.Port, portFree(st2.Port), r.services())
	}
	s.push(&protocol.Undeploy{DeploymentID: "never-seen", TaskID: "task-9"})
	r.waitStatus("never-seen", protocol.DeployUndeployed, 5*time.Second)
	waitFor(t, 5*time.Second, "a periodic report with the undeployed deployment", func() bool {
		reps := s.reportsSnapshot()
		last := reps[len(reps)-1]
		return len(reps) > 1 && len(last.Deployments) == 1 && last.Deployments[0].DeploymentID == "dep-2" &&
			last.Deployments[0].Status == protocol.DeployUndeployed
	})
}

func TestDeployFailuresAreReportedAndLeaveNothing(t *testing.T) {
	r := newDeployRig(t)
	taken, err := listenAny()
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	svc := r.artifact("billing", "1.0", artifact.TypeRoute, artifact.BinaryMicroservice)
	job := r.artifact("nightly", "1.0", artifact.TypeJob, "")
	tests := []struct {
		name    string
		deploy  protocol.Deploy
		message string
		within  time.Duration
	}{
		{"health never OK", protocol.Deploy{Artifact: svc, HealthTimeoutMillis: 1500, Parameters: map[string]string{"MODE": "sick"}},
			"not healthy within 1.5s", 10 * time.Second},
		{"custom port already taken", protocol.Deploy{Artifact: svc, Port: taken.Addr().(*net.TCPAddr).Port},
			"already in use", 10 * time.Second},
		{"artifact of the wrong type", protocol.Deploy{Artifact: job}, "not a route or data service", 10 * time.Second},
		{"artifact the server does not have", protocol.Deploy{Artifact: protocol.ArtifactRef{Digest: "sha256:" + strings.Repeat("ab", 32), Name: "ghost", Version: "1"}},
			"could not be downloaded", 10 * time.Second},
		{"bad binary type", protocol.Deploy{Artifact: svc, BinaryType: "applet"}, "binaryType", 10 * time.Second},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.deploy
			d.DeploymentID, d.TaskID = "fail-"+string(rune('a'+i)), "task-"+string(rune('a'+i))
			start := time.Now()
			r.s.push(&d)
			st := r.waitStatus(d.DeploymentID, protocol.DeployFailed, tt.within)
			if st.SubStatus != protocol.SubDeployFailed || !strings.Contains(st.Message, tt.message) {
				t.Fatalf("got %s/%s %q, want Deploy failed with %q", st.Status, st.SubStatus, st.Message, tt.message)
			}
			if took := time.Since(start); took > tt.within {
				t.Fatalf("failed after %s", took)
			}
			if left := r.services(); len(left) != 0 {
				t.Fatalf("a failed deploy left %+v", left)
			}
		})
	}
}
