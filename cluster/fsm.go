package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/hashicorp/raft"
)

// applyResult is what the FSM hands back through raft's ApplyFuture for
// a one-command entry; a group entry gets one per command ([]*applyResult).
type applyResult struct {
	Index     uint64
	Result    json.RawMessage
	Rejection *Rejection
	Err       error
}

// fsm applies commands to a go-memdb database. Raft calls Apply, Snapshot
// and Restore from one goroutine; readers use the db concurrently through
// memdb's MVCC snapshots.
type fsm struct {
	spec   Spec
	schema *memdb.DBSchema
	tables map[string]Table
	logger *slog.Logger
	// dedupe orders the dedupe table for eviction; apply goroutine only.
	dedupe dedupe

	db      atomic.Pointer[memdb.MemDB]
	applied atomic.Uint64
	// bytesSinceSnapshot drives snapshots by size (see Node.snapshotLoop).
	bytesSinceSnapshot atomic.Int64

	mu      sync.Mutex
	advance chan struct{} // closed and replaced whenever applied moves
}

func newFSM(spec Spec, logger *slog.Logger) (*fsm, error) {
	schema, tables, err := spec.schema()
	if err != nil {
		return nil, err
	}
	db, err := memdb.NewMemDB(schema)
	if err != nil {
		return nil, fmt.Errorf("create state store: %w", err)
	}
	f := &fsm{spec: spec, schema: schema, tables: tables, logger: logger, advance: make(chan struct{})}
	f.db.Store(db)
	return f, nil
}

// Apply implements raft.FSM.
func (f *fsm) Apply(l *raft.Log) any {
	return f.ApplyBatch([]*raft.Log{l})[0]
}

// ApplyBatch implements raft.BatchingFSM: one call per committed batch,
// applied in one memdb write transaction (see batch.go).
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	b := &batch{f: f, db: f.db.Load()}
	var last uint64
	for i, l := range logs {
		last = l.Index
		if l.Type != raft.LogCommand {
			continue
		}
		f.bytesSinceSnapshot.Add(int64(len(l.Data)))
		out[i] = b.applyEntry(l)
	}
	b.commit()
	if last > 0 {
		f.setApplied(last)
	}
	return out
}

func (f *fsm) setApplied(idx uint64) {
	f.applied.Store(idx)
	f.mu.Lock()
	close(f.advance)
	f.advance = make(chan struct{})
	f.mu.Unlock()
}

// waitApplied blocks until the FSM has applied index idx or ctx ends.
func (f *fsm) waitApplied(ctx context.Context, idx uint64) error {
	for {
		f.mu.Lock()
		ch := f.advance
		f.mu.Unlock()
		if f.applied.Load() >= idx {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for index %d (applied %d): %w", idx, f.applied.Load(), ctx.Err())
		}
	}
}

// Snapshot implements raft.FSM; the memdb snapshot is O(1) and the copy is
// written out by Persist on raft's snapshot goroutine.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.bytesSinceSnapshot.Store(0)
	return &snapshot{txn: f.db.Load().Txn(false), index: f.applied.Load(), tables: f.tables}, nil
}

// Restore implements raft.FSM: it rebuilds a fresh store from a snapshot
// and swaps it in.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	db, err := memdb.NewMemDB(f.schema)
	if err != nil {
		return fmt.Errorf("restore: new store: %w", err)
	}
	index, err := readSnapshot(rc, db, f.tables)
	if err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	if err := f.dedupe.reset(db); err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	f.db.Store(db)
	f.bytesSinceSnapshot.Store(0)
	f.setApplied(index)
	return nil
}
