package cluster

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	memdb "github.com/hashicorp/go-memdb"
)

// writeHistory appends the history rows to a snapshot, tables in name
// order, rows in key order. view is the read transaction begun with the
// memdb snapshot, so both are at the same index.
func writeHistory(enc *json.Encoder, view *HistoryView) error {
	if view == nil {
		return nil
	}
	names := make([]string, 0, len(view.h.tables))
	for name := range view.h.tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := view.tx.Bucket(rowBucket(name)).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := enc.Encode(snapshotRecord{History: name, Row: v}); err != nil {
				return fmt.Errorf("write history %s: %w", name, err)
			}
		}
	}
	return nil
}

// restoreHistoryRow puts a snapshot's history row back; rows of tables
// this version does not know, or read without a history store, are
// skipped.
func restoreHistoryRow(hist *HistoryTx, rec snapshotRecord) error {
	if hist == nil {
		return nil
	}
	t, ok := hist.h.tables[rec.History]
	if !ok {
		return nil
	}
	row := t.New()
	if err := json.Unmarshal(rec.Row, row); err != nil {
		return fmt.Errorf("decode history %s row: %w", rec.History, err)
	}
	return hist.put(t, row, rec.Row, false) // the store was cleared: nothing to replace
}

// restoreInto loads a snapshot into db and the history batch hist (which
// it leaves open for the caller to commit), then runs the spec's
// AfterRestore hook over both.
func (f *fsm) restoreInto(rc io.Reader, db *memdb.MemDB, hist *historyBatch) (uint64, error) {
	var w *HistoryTx
	if hist.h != nil {
		var err error
		if w, err = hist.beginRestore(); err != nil {
			return 0, err
		}
	}
	index, err := readSnapshot(rc, db, f.tables, w)
	if err != nil || f.spec.AfterRestore == nil {
		return index, err
	}
	txn := db.Txn(true)
	defer txn.Abort()
	tx := newTx(txn, hist, index*maxGroup, Meta{})
	if err := f.spec.AfterRestore(tx); err != nil {
		return 0, fmt.Errorf("after restore: %w", err)
	}
	if err := tx.Err(); err != nil {
		return 0, fmt.Errorf("after restore: %w", err)
	}
	txn.Commit()
	return index, nil
}
