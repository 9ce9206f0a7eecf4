package cluster

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func appliedIDs(f *fsm) []string {
	var ids []string
	it, _ := f.db.Load().Txn(false).Get(tableApplied, "id")
	for raw := it.Next(); raw != nil; raw = it.Next() {
		ids = append(ids, raw.(*appliedCommand).ID)
	}
	return ids
}

func timedLog(t *testing.T, index int, at time.Time, key string) *raft.Log {
	t.Helper()
	cmd, err := NewCommand("kv.create", Meta{Time: at}, kv{ID: key, Value: "v"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := encodeCommand(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return &raft.Log{Index: uint64(index), Type: raft.LogCommand, Data: data}
}

// TestDedupeEvictionSameAfterRestore checks that a replica restored from a
// snapshot forgets exactly the command IDs that one which applied the
// whole log forgets, including with proposer clocks out of order, and that
// a retry inside the window is still answered from memory.
func TestDedupeEvictionSameAfterRestore(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var logs []*raft.Log
	// 30 commands in the first minute, stamped out of order (two
	// proposers with skewed clocks), then 3 past the window, each of which
	// forgets dedupeEvictPerApply of the oldest.
	for i := range 33 {
		at := t0.Add(time.Duration(i%30) * time.Second).Add(time.Duration((i*7)%5) * time.Second)
		if i >= 30 {
			at = at.Add(dedupeWindow + time.Minute)
		}
		logs = append(logs, timedLog(t, i+1, at, fmt.Sprintf("k%02d", i)))
	}
	newF := func() *fsm {
		f, err := newFSM(batchSpec(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	whole := newF()
	whole.ApplyBatch(logs)

	for _, cut := range []int{1, 29, 30, 31, 32} {
		t.Run(fmt.Sprintf("snapshot after %d", cut), func(t *testing.T) {
			src := newF()
			src.ApplyBatch(logs[:cut])
			snap, err := src.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := snap.(*snapshot).write(&buf); err != nil {
				t.Fatal(err)
			}
			restored := newF()
			if err := restored.Restore(io.NopCloser(&buf)); err != nil {
				t.Fatal(err)
			}
			restored.ApplyBatch(logs[cut:])
			if got, want := appliedIDs(restored), appliedIDs(whole); !slices.Equal(got, want) {
				t.Fatalf("restored replica remembers %d IDs, whole-log replica %d:\n%v\n%v", len(got), len(want), got, want)
			}
		})
	}
	if got, want := len(appliedIDs(whole)), 33-3*dedupeEvictPerApply; got != want {
		t.Fatalf("remembers %d IDs, want %d", got, want)
	}
	// A retry of a recent command is answered, not applied again.
	retry := *logs[32]
	retry.Index = 34
	res := whole.ApplyBatch([]*raft.Log{&retry})[0].(*applyResult)
	if res.Rejection != nil || res.Err != nil {
		t.Fatalf("retry inside the window: %+v, want the first answer", res)
	}
}

func TestApplyTimeoutMustStayInsideDedupeWindow(t *testing.T) {
	cfg := Config{DataDir: "d", NodeID: "n", RaftAddr: "r", APIAddr: "a", ApplyTimeout: 5 * time.Minute}.withDefaults()
	if err := cfg.validate(); err == nil {
		t.Fatal("an apply timeout longer than the dedupe window was accepted")
	}
}
