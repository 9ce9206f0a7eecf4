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

// applyResult is what the FSM hands back through raft's ApplyFuture.
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

// ApplyBatch implements raft.BatchingFSM: one call per committed batch.
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	db := f.db.Load()
	var last uint64
	for i, l := range logs {
		last = l.Index
		if l.Type != raft.LogCommand {
			continue
		}
		f.bytesSinceSnapshot.Add(int64(len(l.Data)))
		out[i] = f.applyOne(db, l)
	}
	if last > 0 {
		f.setApplied(last)
	}
	return out
}

func (f *fsm) applyOne(db *memdb.MemDB, l *raft.Log) *applyResult {
	res := &applyResult{Index: l.Index}
	cmd, err := decodeCommand(l.Data)
	if err != nil {
		// A node must not silently diverge: refuse loudly but keep going
		// for entries it cannot read only when the proposer said so.
		f.logger.Error("cannot decode log entry", "index", l.Index, "err", err)
		res.Err = err
		return res
	}
	txn := db.Txn(true)
	defer txn.Abort()
	if prev, ok := remembered(txn, cmd.ID); ok {
		res.Result, res.Rejection = prev.Result, prev.Rejection
		return res
	}
	handler, ok := f.spec.Handlers[cmd.Type]
	if !ok {
		if !cmd.Ignorable {
			f.logger.Error("unknown command type", "index", l.Index, "type", cmd.Type)
		}
		res.Err = fmt.Errorf("unknown command type %q", cmd.Type)
		return res
	}
	tx := &Tx{Txn: txn, Index: l.Index, Meta: cmd.Meta}
	value, err := handler(tx, cmd)
	if err == nil && f.spec.OnApplied != nil {
		err = f.spec.OnApplied(tx, cmd, value)
	}
	if err != nil {
		if rej, ok := AsRejection(err); ok {
			// Rejections are deterministic: remember them too so that a
			// retry gets the same answer. Only the dedupe row is written.
			txn.Abort()
			res.Rejection = rej
			dtxn := db.Txn(true)
			if err := f.dedupe.remember(dtxn, cmd, nil, rej); err != nil {
				dtxn.Abort()
				f.dedupe.settle(false)
				return res
			}
			dtxn.Commit()
			f.dedupe.settle(true)
			return res
		}
		f.logger.Error("command failed", "index", l.Index, "type", cmd.Type, "err", err)
		res.Err = fmt.Errorf("apply %s: %w", cmd.Type, err)
		return res
	}
	if value != nil {
		if res.Result, err = json.Marshal(value); err != nil {
			res.Err = fmt.Errorf("encode %s result: %w", cmd.Type, err)
			return res
		}
	}
	if err := f.dedupe.remember(txn, cmd, res.Result, nil); err != nil {
		f.dedupe.settle(false)
		res.Err = fmt.Errorf("record %s: %w", cmd.Type, err)
		return res
	}
	txn.Commit()
	f.dedupe.settle(true)
	return res
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
