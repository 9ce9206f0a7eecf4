package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The history store keeps rows that only grow and get pruned by age
// (finished executions, audit entries) on disk instead of in the memdb
// store, so that the control plane's memory does not grow with history.
//
// It is derived state, like the memdb store: the FSM writes it while
// applying commands, in one bolt transaction per raft batch, committed
// just before the batch's memdb transaction. It is never fsynced and is
// thrown away when the node starts (see openHistory): raft rebuilds it
// from the last snapshot and the log, exactly as it rebuilds the memdb
// store. A crash between the two commits therefore leaves nothing to
// repair. Snapshots carry its rows (see snapshot.go).
//
// Why not keep the file across restarts with an applied-index marker: raft
// restores the last snapshot into memdb and replays the log after it, so
// the history would have to be rolled back to the snapshot's index to
// match, which bolt cannot do. What the rebuild costs (BenchmarkRestoreHistory):
// ~0.6 s for 10,000 rows of 1.5 KB on the 2-core test machine, most of it
// the JSON decoding a memdb-only restore did as well.

// HistoryTable declares a table of the history store. Rows are stored as
// JSON under Key; each index maps an index key to the row's key.
type HistoryTable struct {
	// Name names the table; unique across the history tables.
	Name string
	// New returns a pointer to a zero row, to decode stored rows.
	New func() any
	// Key returns a row's unique key (a pointer to the row is passed).
	Key func(row any) []byte
	// Indexes are secondary orderings kept in the same transaction.
	Indexes []HistoryIndex
	// Tag, when set, is stored with every index entry of a row and handed
	// to Scan, so that filters on a few fields need not decode rows.
	Tag func(row any) []byte
}

// HistoryIndex is a secondary ordering of a history table: entries sort by
// Key(row) and then by the row's key.
type HistoryIndex struct {
	Name string
	// Key returns the row's index key; nil leaves the row out.
	Key func(row any) []byte
}

// HistoryEntry is one entry met by Scan. Its slices are only valid during
// the callback: copy what you keep.
type HistoryEntry struct {
	IndexKey []byte // the index key (without the row key); the row key for a primary scan
	Key      []byte // the row's key
	Tag      []byte // the row's tag (index scans of a table with Tag only)
}

// HistoryRange bounds a Scan: From inclusive, To exclusive, both on the
// entry keys (index key followed by the row key); nil means unbounded.
type HistoryRange struct {
	From, To []byte
	Reverse  bool
}

// History is a node's history store.
type History struct {
	db     *bolt.DB
	tables map[string]HistoryTable
}

// historyMmapSize is mapped up front: bolt remaps when the file outgrows
// its mapping and must wait for every open read transaction to do so,
// which would stall the FSM while a snapshot is being persisted. Address
// space only; pages are touched as the file grows.
const historyMmapSize = 1 << 30

// openHistory starts an empty history store at path, discarding whatever
// a previous run left there.
func openHistory(path string, tables []HistoryTable) (*History, error) {
	byName := map[string]HistoryTable{}
	for _, t := range tables {
		if _, dup := byName[t.Name]; dup {
			return nil, fmt.Errorf("history table %q registered twice", t.Name)
		}
		if t.New == nil || t.Key == nil {
			return nil, fmt.Errorf("history table %q needs New and Key", t.Name)
		}
		byName[t.Name] = t
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reset history store: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		NoSync: true, NoGrowSync: true, NoFreelistSync: true,
		FreelistType: bolt.FreelistMapType, InitialMmapSize: historyMmapSize,
	})
	if err != nil {
		return nil, fmt.Errorf("open history store %s: %w", path, err)
	}
	h := &History{db: db, tables: byName}
	if err := db.Update(h.createBuckets); err != nil {
		db.Close()
		return nil, fmt.Errorf("create history buckets: %w", err)
	}
	return h, nil
}

func (h *History) close() error {
	if h == nil {
		return nil
	}
	return h.db.Close()
}

func (h *History) createBuckets(tx *bolt.Tx) error {
	for _, t := range h.tables {
		if _, err := tx.CreateBucketIfNotExists(rowBucket(t.Name)); err != nil {
			return err
		}
		for _, idx := range t.Indexes {
			if _, err := tx.CreateBucketIfNotExists(indexBucket(t.Name, idx.Name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// clear empties every table, in tx (a snapshot restore).
func (h *History) clear(tx *bolt.Tx) error {
	var names [][]byte
	if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		names = append(names, append([]byte(nil), name...))
		return nil
	}); err != nil {
		return err
	}
	for _, name := range names {
		if err := tx.DeleteBucket(name); err != nil {
			return err
		}
	}
	return h.createBuckets(tx)
}

func rowBucket(table string) []byte { return []byte("t/" + table) }

func indexBucket(table, index string) []byte { return []byte("i/" + table + "/" + index) }

// HistoryView reads the history store: a read transaction, or the write
// transaction of the batch being applied (see Reader.ReadHistory).
type HistoryView struct {
	h  *History
	tx *bolt.Tx
	r  *Reader // records failed reads; nil in a snapshot's view
}

// fail records a failed read with the Reader the view came from.
func (v *HistoryView) fail(what string, err error) error {
	if v.r == nil || err == nil {
		return err
	}
	return v.r.fail("history "+what, err)
}

func (v *HistoryView) table(name string) (HistoryTable, error) {
	t, ok := v.h.tables[name]
	if !ok {
		return HistoryTable{}, fmt.Errorf("no history table %q", name)
	}
	return t, nil
}

// Get decodes the row stored under key into out; false if there is none.
func (v *HistoryView) Get(table string, key []byte, out any) (bool, error) {
	raw := v.tx.Bucket(rowBucket(table))
	if raw == nil {
		return false, v.fail(table, fmt.Errorf("no history table %q", table))
	}
	data := raw.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return false, v.fail(table, fmt.Errorf("decode %s row %q: %w", table, key, err))
	}
	return true, nil
}

// Scan visits the entries of an index ("" for the rows in key order)
// within r, until fn returns false.
func (v *HistoryView) Scan(table, index string, r HistoryRange, fn func(HistoryEntry) bool) error {
	name := rowBucket(table)
	if index != "" {
		name = indexBucket(table, index)
	}
	b := v.tx.Bucket(name)
	if b == nil {
		return v.fail(table, fmt.Errorf("no history index %s/%s", table, index))
	}
	c := b.Cursor()
	k, val := seekFirst(c, r)
	for ; k != nil; k, val = step(c, r.Reverse) {
		if (r.Reverse && r.From != nil && bytes.Compare(k, r.From) < 0) ||
			(!r.Reverse && r.To != nil && bytes.Compare(k, r.To) >= 0) {
			return nil
		}
		e := HistoryEntry{IndexKey: k, Key: k}
		if index != "" {
			n := int(val[0])
			e.IndexKey, e.Key, e.Tag = k[:len(k)-n], k[len(k)-n:], val[1:]
		}
		if !fn(e) {
			return nil
		}
	}
	return nil
}

func seekFirst(c *bolt.Cursor, r HistoryRange) ([]byte, []byte) {
	if !r.Reverse {
		if r.From == nil {
			return c.First()
		}
		return c.Seek(r.From)
	}
	if r.To == nil {
		return c.Last()
	}
	if k, _ := c.Seek(r.To); k == nil {
		return c.Last()
	}
	return c.Prev() // Seek lands on the first key >= To: step below it
}

func step(c *bolt.Cursor, reverse bool) ([]byte, []byte) {
	if reverse {
		return c.Prev()
	}
	return c.Next()
}

// HistoryTx writes the history store within the batch being applied.
type HistoryTx struct {
	HistoryView
	dirty bool // something was written
}

// Put stores row (a pointer) under its key, replacing any row there, and
// keeps the table's indexes in step.
func (w *HistoryTx) Put(table string, row any) error {
	t, err := w.table(table)
	if err != nil {
		return err
	}
	data, err := json.Marshal(row)
	if err != nil {
		return fmt.Errorf("encode %s row: %w", table, err)
	}
	return w.put(t, row, data, true)
}

// put stores row, already encoded as data; replace false skips looking
// for a row to replace (a restore into an empty store).
func (w *HistoryTx) put(t HistoryTable, row any, data []byte, replace bool) error {
	key := t.Key(row)
	if len(key) == 0 || len(key) > 255 {
		return fmt.Errorf("history %s: key of %d bytes (1-255 allowed)", t.Name, len(key))
	}
	if replace {
		if err := w.Delete(t.Name, key); err != nil {
			return err
		}
	}
	w.dirty = true
	if err := w.tx.Bucket(rowBucket(t.Name)).Put(key, data); err != nil {
		return &StoreError{Op: "write", What: "history " + t.Name, Err: err}
	}
	return w.indexEntries(t, key, row, func(b *bolt.Bucket, k, v []byte) error { return b.Put(k, v) })
}

// Delete removes the row stored under key and its index entries; a
// missing row is not an error.
func (w *HistoryTx) Delete(table string, key []byte) error {
	t, err := w.table(table)
	if err != nil {
		return err
	}
	rows := w.tx.Bucket(rowBucket(table))
	data := rows.Get(key)
	if data == nil {
		return nil
	}
	w.dirty = true
	old := t.New()
	if err := json.Unmarshal(data, old); err != nil {
		return &StoreError{Op: "read", What: "history " + table, Err: fmt.Errorf("decode row %q: %w", key, err)}
	}
	if err := w.indexEntries(t, key, old, func(b *bolt.Bucket, k, _ []byte) error { return b.Delete(k) }); err != nil {
		return err
	}
	if err := rows.Delete(key); err != nil {
		return &StoreError{Op: "write", What: "history " + table, Err: err}
	}
	return nil
}

// indexEntries calls do with every index entry of row: key index key +
// row key, value the row key's length then the tag.
func (w *HistoryTx) indexEntries(t HistoryTable, key []byte, row any, do func(b *bolt.Bucket, k, v []byte) error) error {
	var tag []byte
	if t.Tag != nil {
		tag = t.Tag(row)
	}
	val := append([]byte{byte(len(key))}, tag...)
	for _, idx := range t.Indexes {
		ik := idx.Key(row)
		if ik == nil {
			continue
		}
		entry := append(append(make([]byte, 0, len(ik)+len(key)), ik...), key...)
		if err := do(w.tx.Bucket(indexBucket(t.Name, idx.Name)), entry, val); err != nil {
			return &StoreError{Op: "write", What: "history index " + t.Name + "/" + idx.Name, Err: err}
		}
	}
	return nil
}

// TimeKey encodes t so that byte order is time order, for history index
// keys (the same encoding as TimeFieldIndex).
func TimeKey(t time.Time) []byte { return encodeTime(t) }
