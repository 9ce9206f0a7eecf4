package state

import (
	"fmt"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

func TestAvailabilityBatchRecordsEachEngineAndSkipsTheGone(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tx := memTx(t, now)
	tx.Index = 42
	for i, avail := range []string{EngineAvailable, EngineAvailable, EngineNotAvailable, EngineNotAvailable} {
		e := &Engine{ID: fmt.Sprintf("e%d", i), Name: fmt.Sprintf("e%d", i), EnvironmentID: "env", Status: EnginePaired, Availability: avail}
		if err := tx.Insert(tableEngines, e); err != nil {
			t.Fatal(err)
		}
	}
	unpaired := &Engine{ID: "unpaired", Name: "unpaired", EnvironmentID: "env", Status: EngineNotPaired, Availability: EngineNotAvailable}
	sub := &NotificationSubscription{ID: "sub", UserID: "u", Events: []string{EventEngineUnavailable}, URL: "http://x"}
	for _, row := range []struct {
		tbl string
		obj any
	}{{tableEngines, unpaired}, {tableSubscriptions, sub}} {
		if err := tx.Insert(row.tbl, row.obj); err != nil {
			t.Fatal(err)
		}
	}
	cmd, _ := cluster.NewCommand(CmdEngineAvailabilityBatch, cluster.Meta{Time: now}, EngineAvailabilityBatch{Changes: []EngineAvailabilityRequest{
		{EngineID: "e0", Available: false}, // goes down: notified
		{EngineID: "e1", Available: false}, // goes down: notified
		{EngineID: "e2", Available: true},  // comes back
		{EngineID: "e3", Available: false}, // already down: untouched
		{EngineID: "gone", Available: true},
		{EngineID: "unpaired", Available: true},
	}})
	out, err := applyEngineAvailabilityBatch(tx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*EngineAvailabilityBatchResult).Skipped; fmt.Sprint(got) != "[gone unpaired]" {
		t.Fatalf("skipped %v, want [gone unpaired]", got)
	}
	want := map[string]string{"e0": EngineNotAvailable, "e1": EngineNotAvailable, "e2": EngineAvailable, "e3": EngineNotAvailable, "unpaired": EngineNotAvailable}
	for id, avail := range want {
		if e := EngineByID(tx.Reader, id); e.Availability != avail {
			t.Errorf("%s is %s, want %s", id, e.Availability, avail)
		}
	}
	if e := EngineByID(tx.Reader, "e2"); !e.AvailableSince.Equal(now) {
		t.Errorf("e2 available since %s, want %s", e.AvailableSince, now)
	}
	if e := EngineByID(tx.Reader, "e3"); !e.UpdatedAt.IsZero() {
		t.Error("an engine already NOT_AVAILABLE was written again")
	}
	pending := PendingNotifications(tx.Reader)
	if len(pending) != 2 || pending[0].EngineID != "e0" || pending[1].EngineID != "e1" {
		t.Fatalf("notifications %+v, want one for e0 then one for e1", pending)
	}
}

func TestAvailabilityBatchIsBounded(t *testing.T) {
	tx := memTx(t, time.Now())
	cmd, _ := cluster.NewCommand(CmdEngineAvailabilityBatch, cluster.Meta{}, EngineAvailabilityBatch{
		Changes: make([]EngineAvailabilityRequest, MaxEngineAvailabilityChanges+1)})
	_, err := applyEngineAvailabilityBatch(tx, cmd)
	if rej, ok := cluster.AsRejection(err); !ok || rej.Code != cluster.CodeInvalid {
		t.Fatalf("oversized batch: %v, want an invalid-input rejection", err)
	}
}
