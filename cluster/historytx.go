package cluster

import "fmt"

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
