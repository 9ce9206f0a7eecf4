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
	// history is the on-disk store of finished rows (history.go); nil in
	// FSMs built without one (unit tests).
	history *History

	db      atomic.Pointer[memdb.MemDB]
	applied atomic.Uint64
	// bytesSinceSnapshot drives snapshots by size (see Node.snapshotLoop).
	bytesSinceSnapshot atomic.Int64

	mu      sync.Mutex
	advance chan struct{} // closed and replaced whenever applied moves
	// replaced is closed and replaced whenever Restore swaps the store:
	// memdb watches of the old store never fire after that.
	replaced chan struct{}
}

func newFSM(spec Spec, logger *slog.Logger) (*fsm, error) {
	schema, tables, err := spec.schema()
	if err != nil {
		return nil, err
	}
	schema.Tables[historyRefTable] = historyRefSchema() // not in tables: never in snapshots
	f := &fsm{spec: spec, schema: schema, tables: tables, logger: logger,
		advance: make(chan struct{}), replaced: make(chan struct{})}
	db, err := f.newDB()
	if err != nil {
		return nil, err
	}
	f.db.Store(db)
	return f, nil
}

// attachHistory gives the FSM its history store, before raft starts.
func (f *fsm) attachHistory(h *History) error {
	f.history = h
	db, err := f.newDB()
	if err != nil {
		return err
	}
	f.db.Store(db)
	return nil
}

// newDB returns an empty store that leads readers to the history store.
func (f *fsm) newDB() (*memdb.MemDB, error) {
	db, err := memdb.NewMemDB(f.schema)
	if err != nil {
		return nil, fmt.Errorf("create state store: %w", err)
	}
	if f.history != nil {
		txn := db.Txn(true)
		if err := txn.Insert(historyRefTable, f.history.readRef); err != nil {
			txn.Abort()
			return nil, fmt.Errorf("create state store: %w", err)
		}
		txn.Commit()
	}
	return db, nil
}

// Apply implements raft.FSM.
func (f *fsm) Apply(l *raft.Log) any {
	return f.ApplyBatch([]*raft.Log{l})[0]
}

// ApplyBatch implements raft.BatchingFSM: one call per committed batch,
// applied in one memdb write transaction (see batch.go).
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	b := &batch{f: f, db: f.db.Load(), hist: historyBatch{h: f.history}}
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
	s := &snapshot{txn: f.db.Load().Txn(false), index: f.applied.Load(), tables: f.tables}
	if f.history != nil {
		// Begun here, between two batches: the same point as the memdb one.
		tx, err := f.history.db.Begin(false)
		if err != nil {
			return nil, fmt.Errorf("snapshot history: %w", err)
		}
		s.history = &HistoryView{h: f.history, tx: tx}
	}
	return s, nil
}

// Restore implements raft.FSM: it rebuilds a fresh store from a snapshot
// and swaps it in.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	db, err := f.newDB()
	if err != nil {
		return fmt.Errorf("restore: new store: %w", err)
	}
	hist := historyBatch{h: f.history}
	index, err := f.restoreInto(rc, db, &hist)
	if err != nil {
		hist.rollback()
		return fmt.Errorf("restore snapshot: %w", err)
	}
	// History first, as in a batch: readers of the old store may see
	// the new history early, never the other way round.
	if err := hist.commit(); err != nil {
		return fmt.Errorf("restore snapshot: commit history: %w", err)
	}
	if err := f.dedupe.reset(db); err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	f.db.Store(db)
	f.bytesSinceSnapshot.Store(0)
	f.setApplied(index)
	f.mu.Lock()
	close(f.replaced)
	f.replaced = make(chan struct{})
	f.mu.Unlock()
	return nil
}

// replacedCh is closed at the next Restore.
func (f *fsm) replacedCh() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.replaced
}
