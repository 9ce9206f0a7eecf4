package state

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
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

// memTx is a write transaction on the state's tables, for handler tests.
func memTx(t *testing.T, now time.Time) *cluster.Tx {
	t.Helper()
	schema := &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{}}
	for _, tbl := range Spec().Tables {
		schema.Tables[tbl.Schema.Name] = tbl.Schema
	}
	db, err := memdb.NewMemDB(schema)
	if err != nil {
		t.Fatal(err)
	}
	return cluster.NewTx(db.Txn(true), 0, cluster.Meta{Time: now})
}

func TestHistoryKeepsTheNewestRecords(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tx := memTx(t, now)
	for i := range MaxDeploymentHistory + 5 {
		d := &Deployment{ID: "t/e", DeploymentID: fmt.Sprint("d", i), TaskID: "t", EngineID: "e", Status: protocol.DeployRunning,
			Desired: DesireRun, Start: now.Add(time.Duration(i) * time.Minute)}
		if err := tx.Insert(tableDeployments, d); err != nil {
			t.Fatal(err)
		}
		if err := supersede(tx, d, now); err != nil {
			t.Fatal(err)
		}
	}
	hist := DeploymentHistory(tx.Reader, "t")
	if len(hist) != MaxDeploymentHistory {
		t.Fatalf("%d history records, want %d", len(hist), MaxDeploymentHistory)
	}
	for _, h := range hist {
		if h.DeploymentID == "d0" || h.DeploymentID == "d4" {
			t.Fatalf("the oldest record %s was kept", h.DeploymentID)
		}
		if h.Status != protocol.DeployUndeployed || h.Stop.IsZero() {
			t.Fatalf("a superseded running record is kept as %s without a stop time", h.Status)
		}
	}
}

func TestAcceptsStatus(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	run := &Deployment{Desired: DesireRun, Status: protocol.DeployDeploying}
	stop := &Deployment{Desired: DesireStop, Status: protocol.DeployUndeploying}
	draining := &Deployment{Desired: DesireStop, Status: protocol.DeployUndeploying, DrainUntil: now}
	st := func(status, sub string) protocol.DeploymentStatus {
		return protocol.DeploymentStatus{Status: status, SubStatus: sub}
	}
	cases := []struct {
		name string
		cur  *Deployment
		st   protocol.DeploymentStatus
		want bool
	}{
		{"progress while wanted", run, st(protocol.DeployDeploying, protocol.SubStarting), true},
		{"running while wanted", run, st(protocol.DeployRunning, protocol.SubExecuting), true},
		{"failure while wanted", run, st(protocol.DeployFailed, protocol.SubDeployFailed), true},
		{"undeployed while wanted is not ours", run, st(protocol.DeployUndeployed, protocol.SubUndeployed), false},
		{"a sub-state of another status", run, st(protocol.DeployRunning, protocol.SubStarting), false},
		{"an unknown status", run, st("PAUSED", ""), false},
		{"the way down while stopping", stop, st(protocol.DeployUndeploying, protocol.SubUndeploying), true},
		{"undeployed while stopping", stop, st(protocol.DeployUndeployed, protocol.SubUndeployed), true},
		{"undeploy failed", stop, st(protocol.DeployFailed, protocol.SubUndeployFailed), true},
		{"a late running while stopping", stop, st(protocol.DeployRunning, protocol.SubExecuting), false},
		{"anything during the drain", draining, st(protocol.DeployRunning, protocol.SubExecuting), false},
	}
	for _, c := range cases {
		if got := acceptsStatus(c.cur, c.st); got != c.want {
			t.Errorf("%s: accepts = %v, want %v", c.name, got, c.want)
		}
	}
}
