package cluster

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/hashicorp/raft"
)

// Snapshot file layout: one JSON header line, then one JSON line per row
// {"t": table, "o": row}, tables in name order, rows in "id" order, then
// the history store's rows {"h": table, "o": row}, tables in name order,
// rows in key order. Plain JSON lines keep snapshots inspectable with
// standard tools; versions without history skip the "h" lines.

const snapshotFormat = 1

type snapshotHeader struct {
	Format int    `json:"format"`
	Index  uint64 `json:"index"`
}

type snapshotRecord struct {
	Table   string          `json:"t,omitempty"`
	History string          `json:"h,omitempty"` // a history table's row
	Row     json.RawMessage `json:"o"`
}

type snapshot struct {
	txn     *memdb.Txn
	index   uint64
	tables  map[string]Table
	history *HistoryView // nil without a history store
}

func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if err := s.write(sink); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	return sink.Close()
}

func (s *snapshot) write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(snapshotHeader{Format: snapshotFormat, Index: s.index}); err != nil {
		return err
	}
	names := make([]string, 0, len(s.tables))
	for name := range s.tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		it, err := s.txn.Get(name, "id")
		if err != nil {
			return fmt.Errorf("scan %s: %w", name, err)
		}
		for row := it.Next(); row != nil; row = it.Next() {
			raw, err := json.Marshal(row)
			if err != nil {
				return fmt.Errorf("encode %s row: %w", name, err)
			}
			if err := enc.Encode(snapshotRecord{Table: name, Row: raw}); err != nil {
				return err
			}
		}
	}
	if err := writeHistory(enc, s.history); err != nil {
		return err
	}
	return bw.Flush()
}

func (s *snapshot) Release() {
	if s.history != nil {
		_ = s.history.tx.Rollback()
	}
}

// readSnapshot loads a snapshot into db and, when hist is not nil, its
// history rows into hist.
func readSnapshot(r io.Reader, db *memdb.MemDB, tables map[string]Table, hist *HistoryTx) (uint64, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	var hdr snapshotHeader
	if err := dec.Decode(&hdr); err != nil {
		return 0, fmt.Errorf("header: %w", err)
	}
	if hdr.Format != snapshotFormat {
		return 0, fmt.Errorf("snapshot format %d not supported", hdr.Format)
	}
	txn := db.Txn(true)
	defer txn.Abort()
	for {
		var rec snapshotRecord
		if err := dec.Decode(&rec); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return 0, fmt.Errorf("record: %w", err)
		}
		if rec.History != "" {
			if err := restoreHistoryRow(hist, rec); err != nil {
				return 0, err
			}
			continue
		}
		t, ok := tables[rec.Table]
		if !ok {
			// A table dropped by a newer version: skip it.
			continue
		}
		row := t.New()
		if err := json.Unmarshal(rec.Row, row); err != nil {
			return 0, fmt.Errorf("decode %s row: %w", rec.Table, err)
		}
		if err := txn.Insert(rec.Table, row); err != nil {
			return 0, fmt.Errorf("insert %s row: %w", rec.Table, err)
		}
	}
	txn.Commit()
	return hdr.Index, nil
}
