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

// newDB returns an empty store.
func (f *fsm) newDB() (*memdb.MemDB, error) {
	db, err := memdb.NewMemDB(f.schema)
	if err != nil {
		return nil, fmt.Errorf("create state store: %w", err)
	}
	return db, nil
}

// read returns a Reader on the state as last committed.
func (f *fsm) read() *Reader {
	return &Reader{txn: f.db.Load().Txn(false), hist: f.history}
}

// knows refuses a command whose type has no handler on this node.
func (f *fsm) knows(cmd Command) error {
	if _, ok := f.spec.Handlers[cmd.Type]; !ok {
		return fmt.Errorf("unknown command type %q", cmd.Type)
	}
	return nil
}

// NodeStop is what the FSM panics with to stop the node: a command it
// cannot apply as the other replicas do (a type it does not know, an
// entry it cannot decode, a failed read or history write). Going on would
// let this replica's state drift from theirs, silently; stopping lets an
// operator upgrade the node or replace its disk, and its restart rebuilds
// the state from the snapshot and the log. Nomad's FSM stops the same
// way on a message type it does not know.
type NodeStop struct {
	Index uint64 // the raft log index of the entry; 0 when not known
	Type  string // the command's type; empty when not known
	Err   error
}

func (s *NodeStop) Error() string {
	return fmt.Sprintf("stopping the node: cannot apply log entry %d (%s) as the other replicas do: %v", s.Index, s.Type, s.Err)
}

func (s *NodeStop) Unwrap() error { return s.Err }

// stop logs why and panics with a *NodeStop before the batch commits, so
// nothing of it becomes visible. It runs on raft's apply goroutine, which
// does not recover: the process exits.
func (f *fsm) stop(index uint64, typ string, err error) {
	s := &NodeStop{Index: index, Type: typ, Err: err}
	f.logger.Error("stopping the node: a log entry cannot be applied as on the other replicas",
		"index", index, "type", typ, "err", err)
	panic(s)
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
