package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// historySpec is kvSpec with a history table "done": kv.finish moves a
// row from memdb to history (the way finished executions move), done.prune
// deletes history rows whose value sorts before the payload's.
func historySpec() Spec {
	spec := kvSpec()
	spec.History = []HistoryTable{{
		Name:    "done",
		New:     func() any { return new(kv) },
		Key:     func(row any) []byte { return []byte(row.(*kv).ID) },
		Indexes: []HistoryIndex{{Name: "value", Key: func(row any) []byte { return []byte(row.(*kv).Value) }}},
		Tag:     func(row any) []byte { return []byte("tag-" + row.(*kv).ID) },
	}}
	spec.Handlers["kv.finish"] = func(tx *Tx, cmd Command) (any, error) {
		var in kv
		if err := cmd.Decode(&in); err != nil {
			return nil, err
		}
		raw, err := tx.First("kv", "id", in.ID)
		if err != nil || raw == nil {
			return nil, Reject(CodeNotFound, "no live row %s", in.ID)
		}
		h, err := tx.History()
		if err != nil {
			return nil, err
		}
		if err := tx.Delete("kv", raw); err != nil {
			return nil, err
		}
		return nil, h.Put("done", raw)
	}
	spec.Handlers["kv.archive-then-reject"] = func(tx *Tx, cmd Command) (any, error) {
		var in kv
		if err := cmd.Decode(&in); err != nil {
			return nil, err
		}
		h, err := tx.History()
		if err != nil {
			return nil, err
		}
		if err := h.Put("done", &in); err != nil {
			return nil, err
		}
		return nil, Reject(CodeConflict, "refused after writing history")
	}
	spec.Handlers["done.require"] = func(tx *Tx, cmd Command) (any, error) {
		var in kv
		if err := cmd.Decode(&in); err != nil {
			return nil, err
		}
		found := false
		err := tx.ReadHistory(func(v *HistoryView) error { // as a state read helper does
			var err error
			found, err = v.Get("done", []byte(in.ID), new(kv))
			return err
		})
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, Reject(CodeNotFound, "%s not in history", in.ID)
		}
		return nil, nil
	}
	spec.Handlers["done.prune"] = func(tx *Tx, cmd Command) (any, error) {
		var in kv
		if err := cmd.Decode(&in); err != nil {
			return nil, err
		}
		h, err := tx.History()
		if err != nil {
			return nil, err
		}
		var keys [][]byte
		if err := h.Scan("done", "value", HistoryRange{To: []byte(in.Value)}, func(e HistoryEntry) bool {
			keys = append(keys, slices.Clone(e.Key))
			return true
		}); err != nil {
			return nil, err
		}
		for _, k := range keys {
			if err := h.Delete("done", k); err != nil {
				return nil, err
			}
		}
		return len(keys), nil
	}
	return spec
}

func historyConfig(cfg *Config) { cfg.TrailingLogs, cfg.SnapshotEntries = 4, 1<<20 }

func startHistoryNode(t *testing.T, id, dir, raftAddr string, bootstrap bool) *testNode {
	t.Helper()
	tn := openNodeWith(t, historySpec(), id, dir, raftAddr, historyConfig)
	if err := tn.Start(context.Background(), bootstrap); err != nil {
		t.Fatal(err)
	}
	return tn
}

func apply(t *testing.T, n *Node, typ, id, value string) {
	t.Helper()
	cmd, err := NewCommand(typ, Meta{}, kv{ID: id, Value: value})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Apply(context.Background(), cmd, nil); err != nil {
		t.Fatalf("%s %s: %v", typ, id, err)
	}
}

// done reads a history row as a reader does: through a memdb read.
func done(n *Node, id string) *kv {
	var out *kv
	_ = n.Read().ReadHistory(func(v *HistoryView) error {
		row := new(kv)
		if ok, err := v.Get("done", []byte(id), row); ok && err == nil {
			out = row
		}
		return nil
	})
	return out
}

func TestFinishedRowsMoveToHistoryOnEveryNode(t *testing.T) {
	base := t.TempDir()
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	nodes := []*testNode{startHistoryNode(t, "n1", filepath.Join(base, "n1"), addrs[0], true)}
	waitFor(t, "n1 leader", 5*time.Second, nodes[0].IsLeader)
	for i, id := range []string{"n2", "n3"} {
		n := startHistoryNode(t, id, filepath.Join(base, id), addrs[i+1], false)
		if err := nodes[0].AddMember(context.Background(), Member{ID: id, RaftAddr: n.raftAddr, APIAddr: n.ln.Addr().String()}); err != nil {
			t.Fatalf("join %s: %v", id, err)
		}
		nodes = append(nodes, n)
	}
	leader := nodes[0].Node
	for i := 0; i < 3; i++ {
		apply(t, leader, "kv.create", fmt.Sprintf("r%d", i), fmt.Sprintf("v%d", i))
		apply(t, nodes[1].Node, "kv.finish", fmt.Sprintf("r%d", i), "") // written through a follower
	}
	caughtUp := func(n *Node) func() bool {
		return func() bool { return n.AppliedIndex() >= leader.AppliedIndex() }
	}
	for _, n := range nodes {
		waitFor(t, n.ID()+" caught up", 5*time.Second, caughtUp(n.Node))
		if get(n.Node, "r0") != nil || done(n.Node, "r0") == nil || done(n.Node, "r0").Value != "v0" {
			t.Fatalf("%s: r0 live %v, history %v; want history only", n.ID(), get(n.Node, "r0"), done(n.Node, "r0"))
		}
	}

	// n3 goes away; the log moves on past a snapshot that compacts it, so
	// n3 rejoins through a snapshot install.
	nodes[2].stop()
	for i := 3; i < 20; i++ {
		apply(t, leader, "kv.create", fmt.Sprintf("r%d", i), fmt.Sprintf("v%d", i))
		apply(t, leader, "kv.finish", fmt.Sprintf("r%d", i), "")
	}
	apply(t, leader, "done.prune", "", "v1") // deletes v0 (values sort as strings)
	if err := leader.Snapshot(); err != nil {
		t.Fatal(err)
	}
	apply(t, leader, "kv.create", "after", "w") // only in the log after the snapshot
	apply(t, leader, "kv.finish", "after", "")

	// n2 restarts: its history file is discarded and rebuilt.
	nodes[1].stop()
	nodes[1] = startHistoryNode(t, "n2", filepath.Join(base, "n2"), addrs[1], false)
	nodes[2] = startHistoryNode(t, "n3", filepath.Join(base, "n3"), addrs[2], false)
	for _, n := range nodes {
		waitFor(t, n.ID()+" caught up after restart", 10*time.Second, caughtUp(n.Node))
		for _, id := range []string{"r1", "r2", "r10", "r19", "after"} {
			if done(n.Node, id) == nil {
				t.Fatalf("%s: %s missing from history", n.ID(), id)
			}
		}
		if done(n.Node, "r0") != nil {
			t.Fatalf("%s: pruned r0 still in history", n.ID())
		}
	}
	if nodes[2].Stats()["last_snapshot_index"] == "0" {
		t.Fatal("n3 did not rejoin through a snapshot install; the test does not test that")
	}
}

// A command that wrote history and was then refused leaves nothing, while
// the commands before it in the same batch keep their writes.
func TestRefusedCommandLeavesNoHistory(t *testing.T) {
	f := historyFSM(t)
	cmds := []Command{
		mustCommand(t, "kv.create", "a"), mustCommand(t, "kv.finish", "a"),
		mustCommand(t, "kv.archive-then-reject", "b"),
		mustCommand(t, "kv.create", "c"), mustCommand(t, "kv.finish", "c"),
	}
	f.ApplyBatch(batchLogs(t, cmds))
	if got := historyKeys(t, f); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("history %v, want [a c]", got)
	}
}

// A handler reads the history writes of the commands before it in its
// batch, through the same lookup readers use.
func TestHandlersReadTheirBatchHistory(t *testing.T) {
	f := historyFSM(t)
	cmds := []Command{mustCommand(t, "kv.create", "a"), mustCommand(t, "kv.finish", "a"), mustCommand(t, "done.require", "a"),
		mustCommand(t, "done.require", "never")}
	out := flatten(t, f.ApplyBatch(batchLogs(t, cmds)))
	if out[2].Rejection != nil || out[2].Err != nil {
		t.Fatalf("row finished earlier in the batch not found: %+v %v", out[2].Rejection, out[2].Err)
	}
	if out[3].Rejection == nil {
		t.Fatal("a row never written was found")
	}
}

// The history file at start is whatever a crash left, possibly a commit
// ahead of the memdb store or garbage: it is discarded, and the node
// rebuilds it from raft.
func TestHistoryIsRebuiltAtStart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		leave func(t *testing.T, path string)
	}{
		{"a row raft never committed", func(t *testing.T, path string) {
			h, err := openHistory(path, historySpec().History)
			if err != nil {
				t.Fatal(err)
			}
			defer h.close()
			tx, _ := h.db.Begin(true)
			w := &HistoryTx{HistoryView: HistoryView{h: h, tx: tx}}
			if err := w.Put("done", &kv{ID: "ghost", Value: "x"}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage", func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte{0xAB}, 8192), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, addr := t.TempDir(), freeAddr(t)
			n := startHistoryNode(t, "solo", dir, addr, true)
			waitFor(t, "leader", 5*time.Second, n.IsLeader)
			apply(t, n.Node, "kv.create", "kept", "v")
			apply(t, n.Node, "kv.finish", "kept", "")
			n.stop()
			tc.leave(t, filepath.Join(dir, "history.db"))
			again := startHistoryNode(t, "solo", dir, addr, true)
			waitFor(t, "history replayed", 5*time.Second, func() bool { return done(again.Node, "kept") != nil })
			if done(again.Node, "ghost") != nil {
				t.Fatal("a row no command wrote survived the restart")
			}
		})
	}
}

// A snapshot holds the history as of its index, whatever is applied while
// it is persisted, and a restore replaces the whole history.
func TestSnapshotCarriesHistoryAtItsIndex(t *testing.T) {
	f := historyFSM(t)
	f.ApplyBatch(batchLogs(t, []Command{mustCommand(t, "kv.create", "a"), mustCommand(t, "kv.finish", "a")}))
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	later := batchLogs(t, []Command{mustCommand(t, "kv.create", "b"), mustCommand(t, "kv.finish", "b")})
	for _, l := range later {
		l.Index += 10
	}
	f.ApplyBatch(later)
	var buf bytes.Buffer
	if err := snap.(*snapshot).write(&buf); err != nil {
		t.Fatal(err)
	}
	snap.Release()

	other := historyFSM(t)
	other.ApplyBatch(batchLogs(t, []Command{mustCommand(t, "kv.create", "stale"), mustCommand(t, "kv.finish", "stale")}))
	if err := other.Restore(io.NopCloser(&buf)); err != nil {
		t.Fatal(err)
	}
	if got := historyKeys(t, other); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("restored history %v, want [a]", got)
	}
}

func TestHistoryScanRanges(t *testing.T) {
	f := historyFSM(t)
	var cmds []Command
	for _, id := range []string{"a", "b", "c", "d"} {
		cmds = append(cmds, mustCommand(t, "kv.create", id), mustCommand(t, "kv.finish", id))
	}
	f.ApplyBatch(batchLogs(t, cmds))
	for _, tc := range []struct {
		name string
		r    HistoryRange
		want []string
	}{
		{"all", HistoryRange{}, []string{"a", "b", "c", "d"}},
		{"all reversed", HistoryRange{Reverse: true}, []string{"d", "c", "b", "a"}},
		{"from b", HistoryRange{From: []byte("v-b")}, []string{"b", "c", "d"}},
		{"to c", HistoryRange{To: []byte("v-c")}, []string{"a", "b"}},
		{"b to d reversed", HistoryRange{From: []byte("v-b"), To: []byte("v-d"), Reverse: true}, []string{"c", "b"}},
		{"past the end reversed", HistoryRange{To: []byte("z"), Reverse: true}, []string{"d", "c", "b", "a"}},
		{"empty", HistoryRange{From: []byte("v-c"), To: []byte("v-c")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := f.read().ReadHistory(func(v *HistoryView) error {
				return v.Scan("done", "value", tc.r, func(e HistoryEntry) bool {
					if string(e.Tag) != "tag-"+string(e.Key) || string(e.IndexKey) != "v-"+string(e.Key) {
						t.Errorf("entry %q: index key %q, tag %q", e.Key, e.IndexKey, e.Tag)
					}
					got = append(got, string(e.Key))
					return true
				})
			})
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("scan %+v: %v, %v; want %v", tc.r, got, err, tc.want)
			}
		})
	}
}

func historyFSM(t *testing.T) *fsm { return historyFSMFor(t) }

func historyFSMFor(t testing.TB) *fsm {
	t.Helper()
	full, err := builtinSpec().merged(historySpec())
	if err != nil {
		t.Fatal(err)
	}
	f, err := newFSM(full, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := openHistory(filepath.Join(t.TempDir(), "history.db"), full.History)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.close() })
	if err := f.attachHistory(h); err != nil {
		t.Fatal(err)
	}
	return f
}

func historyKeys(t *testing.T, f *fsm) []string {
	t.Helper()
	var keys []string
	err := f.read().ReadHistory(func(v *HistoryView) error {
		return v.Scan("done", "", HistoryRange{}, func(e HistoryEntry) bool {
			keys = append(keys, string(e.Key))
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// BenchmarkFSMApplyHistory is BenchmarkFSMApply with a history store:
// attached but unused by the commands (the cost of binding it to every
// batch), and with every command also putting a history row (as the audit
// entry of an API write does).
func BenchmarkFSMApplyHistory(b *testing.B) {
	for _, mode := range []string{"unused", "row-per-command"} {
		for _, size := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/batch=%d", mode, size), func(b *testing.B) { benchmarkFSMApplyHistory(b, mode, size) })
		}
	}
}

func benchmarkFSMApplyHistory(b *testing.B, mode string, size int) {
	spec := historySpec()
	spec.Handlers["kv.create-and-archive"] = func(tx *Tx, cmd Command) (any, error) {
		var in kv
		if err := cmd.Decode(&in); err != nil {
			return nil, err
		}
		h, err := tx.History()
		if err != nil {
			return nil, err
		}
		if err := tx.Insert("kv", &in); err != nil {
			return nil, err
		}
		return nil, h.Put("done", &in)
	}
	full, _ := builtinSpec().merged(spec)
	f, err := newFSM(full, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	h, err := openHistory(filepath.Join(b.TempDir(), "history.db"), full.History)
	if err != nil {
		b.Fatal(err)
	}
	defer h.close()
	if err := f.attachHistory(h); err != nil {
		b.Fatal(err)
	}
	typ := "kv.create"
	if mode == "row-per-command" {
		typ = "kv.create-and-archive"
	}
	logs := make([]*raft.Log, b.N)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range logs {
		cmd, _ := NewCommand(typ, Meta{Time: t0.Add(time.Duration(i) * 5 * time.Millisecond)}, kv{ID: fmt.Sprintf("k%09d", i), Value: "v"})
		data, _ := encodeCommand(cmd)
		logs[i] = &raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: data}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for start := 0; start < len(logs); start += size {
		f.ApplyBatch(logs[start:min(start+size, len(logs))])
	}
}

// A snapshot written before the history store existed keeps every row in
// memdb; the AfterRestore hook moves the finished ones to history.
func TestAfterRestoreMovesRowsOfOlderSnapshots(t *testing.T) {
	spec := historySpec()
	spec.AfterRestore = func(tx *Tx) error {
		h, err := tx.History()
		if err != nil {
			return err
		}
		it, err := tx.Get("kv", "id")
		if err != nil {
			return err
		}
		var finished []*kv
		for raw := it.Next(); raw != nil; raw = it.Next() {
			if row := raw.(*kv); row.Value == "finished" {
				finished = append(finished, row)
			}
		}
		for _, row := range finished {
			if err := tx.Delete("kv", row); err != nil {
				return err
			}
			if err := h.Put("done", row); err != nil {
				return err
			}
		}
		return nil
	}
	full, err := builtinSpec().merged(spec)
	if err != nil {
		t.Fatal(err)
	}
	full.AfterRestore = spec.AfterRestore
	f, err := newFSM(full, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := openHistory(filepath.Join(t.TempDir(), "history.db"), full.History)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	if err := f.attachHistory(h); err != nil {
		t.Fatal(err)
	}
	old := `{"format":1,"index":7}
{"t":"kv","o":{"id":"a","value":"finished"}}
{"t":"kv","o":{"id":"b","value":"running"}}
{"t":"kv","o":{"id":"c","value":"finished"}}
`
	if err := f.Restore(io.NopCloser(bytes.NewBufferString(old))); err != nil {
		t.Fatal(err)
	}
	if got := historyKeys(t, f); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("history %v, want [a c]", got)
	}
	if got := kvKeys(f); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("memdb %v, want [b]", got)
	}
}

// BenchmarkRestoreHistory measures what a start costs with the history
// reset at start: restoring a snapshot of 10,000 history rows of ~1.5 KB
// (a finished execution's size) into an empty store.
func BenchmarkRestoreHistory(b *testing.B) {
	f := historyFSMFor(b)
	value := string(bytes.Repeat([]byte("x"), 1500))
	var logs []*raft.Log
	for i := 0; i < 10_000; i++ {
		for _, typ := range []string{"kv.create", "kv.finish"} {
			cmd, _ := NewCommand(typ, Meta{}, kv{ID: fmt.Sprintf("k%06d", i), Value: value})
			data, _ := encodeCommand(cmd)
			logs = append(logs, &raft.Log{Index: uint64(len(logs) + 1), Type: raft.LogCommand, Data: data})
		}
	}
	for start := 0; start < len(logs); start += 64 {
		f.ApplyBatch(logs[start:min(start+64, len(logs))])
	}
	snap, err := f.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := snap.(*snapshot).write(&buf); err != nil {
		b.Fatal(err)
	}
	snap.Release()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := historyFSMFor(b).Restore(io.NopCloser(bytes.NewReader(buf.Bytes()))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/(1<<20), "snapshot-MiB")
}
