package cluster

import (
	"errors"
	"fmt"
	"sync"

	memdb "github.com/hashicorp/go-memdb"
)

// Reader reads the replicated state at one point in the log: a memdb read
// transaction over the in-memory tables and, through History, the node's
// on-disk history store. Every read returns its error; none is turned into
// "not found". A Reader also remembers the first read that failed (Err):
// the FSM stops the node when a command's reads failed, even if the
// handler carried on, because a replica that read less than the others
// would decide differently (see batch.go).
//
// The memdb and history views a Reader combines are ordered: a batch
// commits its history before its memdb transaction, and a Reader opens
// its history transaction after it took its memdb one, so it never misses
// a row that moved from memdb to history (it may see it in both).
//
// A Reader is safe for concurrent reads, like the memdb transaction.
type Reader struct {
	txn  *memdb.Txn
	hist *History      // nil in an FSM built without one (unit tests)
	mine *historyBatch // a command handler's batch: history reads see its writes

	mu  sync.Mutex
	err error
}

// ErrNoHistory is returned when the state has no history store (an FSM
// built without one, in unit tests).
var ErrNoHistory = errors.New("no history store")

// StoreError is a read or write of the state store that failed on this
// node: its history store's disk, or a table or index the schema lacks.
// Inside apply it stops the node (see batch.go): the other replicas read
// and wrote what this one could not, so going on would diverge.
type StoreError struct {
	Op   string // "read" or "write"
	What string // the table, index or store
	Err  error
}

func (e *StoreError) Error() string { return e.Op + " " + e.What + ": " + e.Err.Error() }

func (e *StoreError) Unwrap() error { return e.Err }

// fail records err as a read failure and returns it wrapped.
func (r *Reader) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *StoreError
	if !errors.As(err, &re) {
		re = &StoreError{Op: "read", What: what, Err: err}
	}
	r.mu.Lock()
	if r.err == nil {
		r.err = re
	}
	r.mu.Unlock()
	return re
}

// Err returns the first read through r that failed, nil if none did.
func (r *Reader) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// First returns the first row of table matching the index arguments, nil
// when there is none.
func (r *Reader) First(table, index string, args ...any) (any, error) {
	raw, err := r.txn.First(table, index, args...)
	return raw, r.fail(table+"."+index, err)
}

// FirstWatch is First with a channel closed when that row changes.
func (r *Reader) FirstWatch(table, index string, args ...any) (<-chan struct{}, any, error) {
	ch, raw, err := r.txn.FirstWatch(table, index, args...)
	return ch, raw, r.fail(table+"."+index, err)
}

// Get iterates the rows of table matching the index arguments; the
// iterator's WatchCh is closed when any of them changes.
func (r *Reader) Get(table, index string, args ...any) (memdb.ResultIterator, error) {
	it, err := r.txn.Get(table, index, args...)
	return it, r.fail(table+"."+index, err)
}

// LowerBound iterates the rows of table from the first whose index value
// is at least the arguments, in index order.
func (r *Reader) LowerBound(table, index string, args ...any) (memdb.ResultIterator, error) {
	it, err := r.txn.LowerBound(table, index, args...)
	return it, r.fail(table+"."+index, err)
}

// ReadHistory runs fn on the history store as this Reader sees it: committed
// history, or in a command handler the batch's own writes too. Errors of
// the store (a failed read on this node's disk) are read failures.
func (r *Reader) ReadHistory(fn func(*HistoryView) error) error {
	if r.hist == nil {
		return ErrNoHistory
	}
	if r.mine != nil {
		w, err := r.mine.writer()
		if err != nil {
			return r.fail("history", err)
		}
		return fn(&HistoryView{h: w.h, tx: w.tx, r: r})
	}
	tx, err := r.hist.db.Begin(false)
	if err != nil {
		return r.fail("history", err)
	}
	defer tx.Rollback()
	return fn(&HistoryView{h: r.hist, tx: tx, r: r})
}

// Tx is the write transaction a command handler runs in: a Reader that
// sees the command's own writes, and the writes. Rows read from it are
// shared with readers: never mutate one, insert a changed copy.
type Tx struct {
	*Reader
	// Index numbers the command: unique, increasing in log order and the
	// same on every replica. It is the raft log index of the command's
	// entry times 1024 plus the command's place in that entry (an entry
	// may carry several commands, see proposer.go), not a log index.
	Index uint64
	// Meta is the proposer's metadata (time, actor, request).
	Meta Meta
}

func newTx(txn *memdb.Txn, hist *historyBatch, index uint64, meta Meta) *Tx {
	r := &Reader{txn: txn}
	if hist != nil && hist.h != nil {
		r.hist, r.mine = hist.h, hist
	}
	return &Tx{Reader: r, Index: index, Meta: meta}
}

// Insert adds or replaces a row.
func (tx *Tx) Insert(table string, row any) error {
	if err := tx.txn.Insert(table, row); err != nil {
		return fmt.Errorf("insert %s row: %w", table, err)
	}
	return nil
}

// Delete removes a row.
func (tx *Tx) Delete(table string, row any) error {
	if err := tx.txn.Delete(table, row); err != nil {
		return fmt.Errorf("delete %s row: %w", table, err)
	}
	return nil
}

// DeleteAll removes every row matching the index arguments and returns
// how many it removed.
func (tx *Tx) DeleteAll(table, index string, args ...any) (int, error) {
	n, err := tx.txn.DeleteAll(table, index, args...)
	if err != nil {
		return 0, fmt.Errorf("delete %s rows: %w", table, err)
	}
	return n, nil
}

// History returns the history store's write side for this command, in
// the same batch as its memdb writes.
func (tx *Tx) History() (*HistoryTx, error) {
	if tx.mine == nil {
		return nil, ErrNoHistory
	}
	w, err := tx.mine.writer()
	if err != nil {
		return nil, tx.fail("history", err)
	}
	return w, nil
}

// NewTx returns a Tx over a bare memdb write transaction, without a
// history store: for unit tests of command handlers outside a node.
func NewTx(txn *memdb.Txn, index uint64, meta Meta) *Tx {
	return newTx(txn, nil, index, meta)
}
