package cluster

import (
	"errors"
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
)

// How readers find the history store: through the memdb transaction they
// already hold. Every memdb store carries one row in a table of its own
// (not in snapshots) pointing at the node's History. While a batch is
// applied, the History knows the batch's memdb write transaction: a
// lookup made with that transaction (a command handler's) is served from
// the batch's bolt write transaction, so handlers read their own writes;
// any other transaction reads committed history. Readers thus need no
// other handle, and the memdb and history views they combine are
// ordered: the history commit comes first, so a reader that took its
// memdb transaction before opening the history one never misses a row
// that moved from memdb to history (it may see it in both).

const (
	historyRefTable = "cluster.history"
	historyRefID    = "history"
)

// historyRef is the one row of historyRefTable.
type historyRef struct {
	ID string
	h  *History
}

func historyRefSchema() *memdb.TableSchema {
	return &memdb.TableSchema{Name: historyRefTable, Indexes: map[string]*memdb.IndexSchema{
		"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
	}}
}

// ErrNoHistory is returned when the state has no history store (an FSM
// built without one, in unit tests).
var ErrNoHistory = errors.New("no history store")

// ReadHistory runs fn on the history store as seen with txn: committed
// history for a read transaction, the batch's own writes in a command
// handler's transaction.
func ReadHistory(txn *memdb.Txn, fn func(*HistoryView) error) error {
	ref := lookupHistoryRef(txn)
	if ref == nil {
		return ErrNoHistory
	}
	if b := ref.h.batchOf(txn); b != nil {
		w, err := b.writer()
		if err != nil {
			return err
		}
		return fn(&w.HistoryView)
	}
	tx, err := ref.h.db.Begin(false)
	if err != nil {
		return fmt.Errorf("read history: %w", err)
	}
	defer tx.Rollback()
	return fn(&HistoryView{h: ref.h, tx: tx})
}

// History returns the history store's write side for this command, in
// the same batch as its memdb writes.
func (tx *Tx) History() (*HistoryTx, error) {
	ref := lookupHistoryRef(tx.Txn)
	if ref == nil {
		return nil, ErrNoHistory
	}
	b := ref.h.batchOf(tx.Txn)
	if b == nil {
		return nil, ErrNoHistory
	}
	return b.writer()
}

func lookupHistoryRef(txn *memdb.Txn) *historyRef {
	raw, err := txn.First(historyRefTable, "id", historyRefID)
	if err != nil || raw == nil {
		return nil
	}
	return raw.(*historyRef)
}

// historyBatch is the history side of a batch: one bolt write
// transaction, begun when a command first touches history.
type historyBatch struct {
	h  *History
	tx *HistoryTx
}

func (b *historyBatch) writer() (*HistoryTx, error) {
	if b.tx == nil {
		tx, err := b.h.db.Begin(true)
		if err != nil {
			return nil, fmt.Errorf("begin history write: %w", err)
		}
		b.tx = &HistoryTx{HistoryView: HistoryView{h: b.h, tx: tx}}
	}
	return b.tx, nil
}

// bind makes txn (a fresh memdb write transaction of the apply
// goroutine) the one whose lookups reach this batch.
func (b *historyBatch) bind(txn *memdb.Txn) {
	if b.h != nil {
		b.h.batch = b
		b.h.batchTxn.Store(txn)
	}
}

// unbind ends that, before txn commits.
func (b *historyBatch) unbind() {
	if b.h != nil {
		b.h.batchTxn.Store(nil)
	}
}

// batchOf returns the batch bound to txn, nil for any other transaction.
// Only the apply goroutine holds a bound transaction, so only it ever
// reads h.batch.
func (h *History) batchOf(txn *memdb.Txn) *historyBatch {
	if h.batchTxn.Load() != txn {
		return nil
	}
	return h.batch
}

func (b *historyBatch) rollback() {
	if b.tx != nil {
		_ = b.tx.tx.Rollback()
		b.tx = nil
	}
}

func (b *historyBatch) commit() error {
	if b.tx == nil {
		return nil
	}
	tx := b.tx
	b.tx = nil
	if !tx.dirty {
		return tx.tx.Rollback() // only read: no page to write
	}
	return tx.tx.Commit()
}

// beginRestore starts the write transaction that replaces the whole
// history with a snapshot's.
func (b *historyBatch) beginRestore() (*HistoryTx, error) {
	w, err := b.writer()
	if err != nil {
		return nil, err
	}
	if err := b.h.clear(w.tx); err != nil {
		b.rollback()
		return nil, fmt.Errorf("clear history: %w", err)
	}
	w.dirty = true
	return w, nil
}
