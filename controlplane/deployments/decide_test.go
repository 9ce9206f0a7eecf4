package deployments

import (
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	rolling := func(batch int) *state.Rollout {
		return &state.Rollout{ID: "r", TaskID: "t", Strategy: state.StrategyRolling, TargetVersion: "2.0", PreviousVersion: "1.0",
			Engines: []string{"a", "b", "c"}, Phase: state.PhaseForward, Batch: batch, StepStarted: now.Add(-time.Minute),
			Status: state.RolloutInProgress, MinHealthy: 10 * time.Second, Deadline: 5 * time.Minute}
	}
	parallel := func() *state.Rollout {
		r := rolling(0)
		r.Strategy = state.StrategyParallel
		return r
	}
	rec := func(version, status, desired string, healthySince time.Duration) *state.Deployment {
		d := &state.Deployment{DeploymentID: "d-" + version, ArtifactVersion: version, Status: status, Desired: desired, RolloutID: "r"}
		if healthySince > 0 {
			d.Healthy, d.HealthySince = true, now.Add(-healthySince)
		}
		if status == protocol.DeployFailed {
			d.SubStatus, d.Message = protocol.SubDeployFailed, "health check never answered"
		}
		return d
	}
	up := map[string]EngineView{"a": {Name: "ea", Member: true, Available: true}, "b": {Name: "eb", Member: true, Available: true},
		"c": {Name: "ec", Member: true, Available: true}}
	with := func(id string, e EngineView) map[string]EngineView {
		out := map[string]EngineView{}
		for k, v := range up {
			out[k] = v
		}
		out[id] = e
		return out
	}
	cases := []struct {
		name    string
		r       *state.Rollout
		records map[string]*state.Deployment
		engines map[string]EngineView
		want    []string // kind:engine
		reason  string
		wakeAt  time.Time
	}{
		{"nothing there: deploy", rolling(0), nil, up, []string{"deploy:a"}, "", time.Time{}},
		{"old version runs: drain first", rolling(0), map[string]*state.Deployment{"a": rec("1.0", protocol.DeployRunning, state.DesireRun, time.Hour)}, up, []string{"drain:a"}, "", time.Time{}},
		{"old version stopping: wait", rolling(0), map[string]*state.Deployment{"a": rec("1.0", protocol.DeployUndeploying, state.DesireStop, 0)}, up, nil, "", now.Add(4 * time.Minute)},
		{"old version gone: deploy", rolling(0), map[string]*state.Deployment{"a": rec("1.0", protocol.DeployUndeployed, state.DesireStop, 0)}, up, []string{"deploy:a"}, "", time.Time{}},
		{"new version starting: wait", rolling(0), map[string]*state.Deployment{"a": rec("2.0", protocol.DeployDeploying, state.DesireRun, 0)}, up, nil, "", now.Add(4 * time.Minute)},
		{"healthy, not long enough: wake at the gate", rolling(0), map[string]*state.Deployment{"a": rec("2.0", protocol.DeployRunning, state.DesireRun, 4*time.Second)}, up, nil, "", now.Add(6 * time.Second)},
		{"healthy long enough: next engine", rolling(0), map[string]*state.Deployment{"a": rec("2.0", protocol.DeployRunning, state.DesireRun, 10*time.Second)}, up, []string{"advance:"}, "", time.Time{}},
		{"running but unhealthy: wait", rolling(0), map[string]*state.Deployment{"a": {ArtifactVersion: "2.0", Status: protocol.DeployRunning, Desired: state.DesireRun}}, up, nil, "", now.Add(4 * time.Minute)},
		{"second step only touches b", rolling(1), map[string]*state.Deployment{"a": rec("2.0", protocol.DeployRunning, state.DesireRun, time.Hour),
			"b": rec("1.0", protocol.DeployRunning, state.DesireRun, time.Hour), "c": rec("1.0", protocol.DeployRunning, state.DesireRun, time.Hour)}, up, []string{"drain:b"}, "", time.Time{}},
		{"new version failed", rolling(0), map[string]*state.Deployment{"a": rec("2.0", protocol.DeployFailed, state.DesireRun, 0)}, up, []string{"fail:"}, `version 2.0 failed on engine "ea": Deploy failed: health check never answered`, time.Time{}},
		{"new version failed in an earlier rollout: retry", rolling(0), map[string]*state.Deployment{"a": func() *state.Deployment {
			d := rec("2.0", protocol.DeployFailed, state.DesireRun, 0)
			d.RolloutID = "earlier"
			return d
		}()}, up, []string{"drain:a"}, "", time.Time{}},
		{"engine unavailable", rolling(0), nil, with("a", EngineView{Name: "ea", Member: true}), []string{"fail:"}, `engine "ea" became NOT_AVAILABLE`, time.Time{}},
		{"engine left the cluster", rolling(0), nil, with("a", EngineView{Name: "ea", Available: true}), []string{"fail:"}, `engine "ea" left the cluster`, time.Time{}},
		{"later engine down does not matter yet", rolling(0), nil, with("c", EngineView{Name: "ec", Member: true}), []string{"deploy:a"}, "", time.Time{}},
		{"progress deadline", func() *state.Rollout { r := rolling(0); r.StepStarted = now.Add(-6 * time.Minute); return r }(),
			map[string]*state.Deployment{"a": rec("2.0", protocol.DeployDeploying, state.DesireRun, 0)}, up, []string{"fail:"}, `progress deadline of 5m0s passed on engine "ea"`, time.Time{}},
		{"parallel: every engine at once", parallel(), map[string]*state.Deployment{"a": rec("1.0", protocol.DeployRunning, state.DesireRun, time.Hour),
			"b": rec("1.0", protocol.DeployUndeployed, state.DesireStop, 0)}, up, []string{"drain:a", "deploy:b", "deploy:c"}, "", time.Time{}},
		{"parallel: done when all are healthy", parallel(), map[string]*state.Deployment{"a": rec("2.0", protocol.DeployRunning, state.DesireRun, time.Hour),
			"b": rec("2.0", protocol.DeployRunning, state.DesireRun, time.Hour), "c": rec("2.0", protocol.DeployRunning, state.DesireRun, time.Hour)}, up, []string{"advance:"}, "", time.Time{}},
		{"rollback deploys the previous version", func() *state.Rollout {
			r := rolling(0)
			r.Phase, r.RollbackEngines = state.PhaseRollback, []string{"a"}
			return r
		}(), map[string]*state.Deployment{"a": rec("2.0", protocol.DeployFailed, state.DesireRun, 0)}, up, []string{"drain:a"}, "", time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := 0
			d := Decide(RolloutView{Now: now, Rollout: c.r, Records: c.records, Engines: c.engines}, func() string { n++; return "new" })
			var got []string
			for _, a := range d.Actions {
				got = append(got, a.Kind+":"+a.EngineID)
				if a.Kind == state.ActionDeploy && a.DeploymentID == "" {
					t.Errorf("deploy without a deployment ID")
				}
				if c.reason != "" && !strings.Contains(a.Reason, c.reason) {
					t.Errorf("reason %q, want %q", a.Reason, c.reason)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("actions %v, want %v", got, c.want)
			}
			if !c.wakeAt.IsZero() && !d.WakeAt.Equal(c.wakeAt) {
				t.Fatalf("wake at %s, want %s", d.WakeAt, c.wakeAt)
			}
		})
	}
}
