package state

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// TestDeploymentRowsSurviveSnapshots: snapshots store rows as JSON, so a
// field JSON skips would vanish on a restore.
func TestDeploymentRowsSurviveSnapshots(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	rows := []any{
		&Deployment{ID: "t/e", DeploymentID: "d", TaskID: "t", EngineID: "e", Status: protocol.DeployRunning, SubStatus: protocol.SubExecuting,
			ArtifactVersion: "1.0", ArtifactDigest: "sha256:ab", Port: 8088, CustomPort: 8088, Healthy: true, Message: "m", DeployedBy: "u",
			Start: now, Stop: now.Add(time.Hour), RolloutID: "r", Desired: DesireRun, HealthySince: now.Add(time.Second), DrainUntil: now.Add(2 * time.Second),
			Metrics: &protocol.DeploymentMetrics{DeploymentID: "d", RequestsTotal: 3}, MetricsTime: now.Add(3 * time.Second), UpdatedAt: now},
		&Rollout{ID: "r", TaskID: "t", Strategy: StrategyRolling, TargetVersion: "2.0", PreviousVersion: "1.0", Engines: []string{"a", "b"},
			RollbackEngines: []string{"a"}, Phase: PhaseRollback, Batch: 1, StepStarted: now, Status: RolloutInProgress, Message: "m", Rollback: true,
			MinHealthy: time.Second, Deadline: time.Minute, ShutdownDelay: 2 * time.Second, CustomPort: 8088, Revision: 7, CreatedBy: "u",
			CreatedAt: now, UpdatedAt: now},
	}
	for _, row := range rows {
		raw, err := json.Marshal(row)
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(reflect.TypeOf(row).Elem()).Interface()
		if err := json.Unmarshal(raw, back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(row, back) {
			t.Fatalf("%T lost fields in JSON:\n%+v\n%+v", row, row, back)
		}
	}
}
