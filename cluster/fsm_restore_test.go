package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// A snapshot install leaves the watches of the old store unfired, so
// Replaced is what wakes a watcher: it closes on Restore, and the next
// one is open again.
func TestRestoreClosesReplacedNotTheOldWatches(t *testing.T) {
	src := historyFSM(t)
	src.ApplyBatch(batchLogs(t, []Command{mustCommand(t, "kv.create", "a")}))
	snap, err := src.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := snap.(*snapshot).write(&buf); err != nil {
		t.Fatal(err)
	}
	snap.Release()

	f := historyFSM(t)
	it, err := f.db.Load().Txn(false).Get("kv", "id")
	if err != nil {
		t.Fatal(err)
	}
	watch := it.WatchCh()
	replaced := f.replacedCh()
	if err := f.Restore(io.NopCloser(&buf)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-replaced:
	default:
		t.Fatal("Replaced not closed by a restore")
	}
	select {
	case <-watch:
		t.Log("memdb fired a watch of the replaced store; Replaced is then redundant but harmless")
	default:
	}
	select {
	case <-f.replacedCh():
		t.Fatal("the channel for the next restore is already closed")
	default:
	}
	if raw, err := f.db.Load().Txn(false).First("kv", "id", "a"); err != nil || raw == nil {
		t.Fatalf("restored store lacks row a: %v %v", raw, err)
	}
}

// A node that joins after the leader compacted its log gets a snapshot
// install from the leader (a real raft cluster): Replaced closes, and the
// rows are there to read again.
func TestSnapshotInstallClosesReplaced(t *testing.T) {
	base := t.TempDir()
	short := func(c *Config) { c.TrailingLogs = 1 }
	leader := openNode(t, "n1", filepath.Join(base, "n1"), freeAddr(t), short)
	ctx := context.Background()
	if err := leader.Start(ctx, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "n1 leader", 5*time.Second, leader.IsLeader)
	for i := range 5 {
		if err := put(ctx, leader.Node, fmt.Sprintf("k%d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := leader.Snapshot(); err != nil {
		t.Fatal(err)
	}

	joiner := openNode(t, "n2", filepath.Join(base, "n2"), freeAddr(t))
	if err := joiner.Start(ctx, false); err != nil {
		t.Fatal(err)
	}
	replaced := joiner.Replaced()
	if err := leader.AddMember(ctx, Member{ID: "n2", RaftAddr: joiner.raftAddr, APIAddr: joiner.ln.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-replaced:
	case <-time.After(10 * time.Second):
		t.Fatal("no snapshot install closed Replaced on the joining node")
	}
	waitFor(t, "rows on the joiner", 5*time.Second, func() bool { return get(joiner.Node, "k4") != nil })
}
