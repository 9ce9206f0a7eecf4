package state

import (
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

func TestRetirementChangesOnlyWhatIsAsked(t *testing.T) {
	now := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name, status, from string
		retire             bool
		want               string
		changed            bool
		code               string
	}{
		{"available engine retired", EnginePaired, EngineAvailable, true, EngineRetired, true, ""},
		{"silent engine retired", EnginePaired, EngineNotAvailable, true, EngineRetired, true, ""},
		{"retired again: no write", EnginePaired, EngineRetired, true, EngineRetired, false, ""},
		{"retired engine back", EnginePaired, EngineRetired, false, EngineAvailable, true, ""},
		{"supported engine not retired: no write", EnginePaired, EngineNotAvailable, false, EngineNotAvailable, false, ""},
		{"unpaired engine refused", EngineNotPaired, EngineNotAvailable, true, EngineNotAvailable, false, cluster.CodePrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := memTx(t, now)
			if err := tx.Insert(tableEngines, &Engine{ID: "e", Name: "e", EnvironmentID: "env", Status: tt.status, Availability: tt.from}); err != nil {
				t.Fatal(err)
			}
			cmd, _ := cluster.NewCommand(CmdEngineRetirement, cluster.Meta{Time: now}, EngineRetirementRequest{EngineID: "e", Retired: tt.retire})
			out, err := applyEngineRetirement(tx, cmd)
			if tt.code != "" {
				if rej, ok := cluster.AsRejection(err); !ok || rej.Code != tt.code {
					t.Fatalf("got %v, want a %s rejection", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := EngineByID(tx.Reader, "e")
			if e.Availability != tt.want || out.(*EngineRetirementResult).Changed != tt.changed {
				t.Fatalf("availability %s changed %t, want %s changed %t", e.Availability, out.(*EngineRetirementResult).Changed, tt.want, tt.changed)
			}
			if tt.changed != e.UpdatedAt.Equal(now) {
				t.Fatalf("updatedAt %s: written %t, want %t", e.UpdatedAt, e.UpdatedAt.Equal(now), tt.changed)
			}
		})
	}
	t.Run("unknown engine", func(t *testing.T) {
		cmd, _ := cluster.NewCommand(CmdEngineRetirement, cluster.Meta{Time: now}, EngineRetirementRequest{EngineID: "gone", Retired: true})
		if _, err := applyEngineRetirement(memTx(t, now), cmd); err == nil {
			t.Fatal("retiring an unknown engine succeeded")
		}
	})
}

// The heartbeat monitor never times a RETIRED engine out, and a heartbeat
// of it (a supported agent's session) brings it back.
func TestAvailabilityBatchLeavesRetiredEnginesToTheirSessions(t *testing.T) {
	now := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	tx := memTx(t, now)
	for _, id := range []string{"down", "up"} {
		if err := tx.Insert(tableEngines, &Engine{ID: id, Name: id, EnvironmentID: "env", Status: EnginePaired, Availability: EngineRetired}); err != nil {
			t.Fatal(err)
		}
	}
	cmd, _ := cluster.NewCommand(CmdEngineAvailabilityBatch, cluster.Meta{Time: now}, EngineAvailabilityBatch{Changes: []EngineAvailabilityRequest{
		{EngineID: "down", Available: false}, {EngineID: "up", Available: true}}})
	out, err := applyEngineAvailabilityBatch(tx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*EngineAvailabilityBatchResult).Skipped; len(got) != 1 || got[0] != "down" {
		t.Fatalf("skipped %v, want [down]", got)
	}
	if a := EngineByID(tx.Reader, "down").Availability; a != EngineRetired {
		t.Errorf("timed-out retired engine is %s, want RETIRED", a)
	}
	if a := EngineByID(tx.Reader, "up").Availability; a != EngineAvailable {
		t.Errorf("heartbeating retired engine is %s, want AVAILABLE", a)
	}
}
