package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
)

// Shared helpers for declaring tables and reading rows.

// Reader reads the replicated state (see cluster.Reader, Node.Read and
// ConsistentRead); a command handler's *cluster.Tx is one too.
type Reader = *cluster.Reader

func idIndex() *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}}
}

func stringIndex(name, field string, unique bool) *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: name, Unique: unique, Indexer: &memdb.StringFieldIndex{Field: field}}
}

func stringIndexLower(name, field string, unique bool) *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: name, Unique: unique, Indexer: &memdb.StringFieldIndex{Field: field, Lowercase: true}}
}

// compoundIndex indexes (a, b) string fields, e.g. (EnvironmentID, Name).
func compoundIndex(name string, unique bool, fields ...string) *memdb.IndexSchema {
	idx := &memdb.CompoundIndex{}
	for _, f := range fields {
		idx.Indexes = append(idx.Indexes, &memdb.StringFieldIndex{Field: f, Lowercase: f == "Name"})
	}
	return &memdb.IndexSchema{Name: name, Unique: unique, Indexer: idx}
}

func table(name string, newRow func() any, indexes ...*memdb.IndexSchema) cluster.Table {
	s := &memdb.TableSchema{Name: name, Indexes: map[string]*memdb.IndexSchema{}}
	for _, idx := range indexes {
		s.Indexes[idx.Name] = idx
	}
	return cluster.Table{Schema: s, New: newRow}
}

// The in-memory tables fail a read only for a table or index the schema
// lacks or index arguments of the wrong type: a programming error, never
// "not found" and never a state to serve. The helpers below panic with it
// (the API answers 500 and logs it; inside apply the node stops, see
// cluster.NodeStop). Reads of the on-disk history store can fail at run
// time instead, and their helpers return the error.

// schemaMisuse wraps a failed memdb read for its panic.
func schemaMisuse(err error) error {
	return fmt.Errorf("state: read the in-memory tables (a table or index the schema lacks?): %w", err)
}

// first returns the first row of table matching index args, typed; nil
// if none matches.
func first[T any](txn Reader, tbl, index string, args ...any) *T {
	raw, err := txn.First(tbl, index, args...)
	if err != nil {
		panic(schemaMisuse(err))
	}
	if raw == nil {
		return nil
	}
	return raw.(*T)
}

// all returns every row of table matching index args, typed.
func all[T any](txn Reader, tbl, index string, args ...any) []*T {
	out, _ := watchAll[T](txn, tbl, index, args...)
	return out
}

// watchAll is all with a channel closed when any of those rows, or the
// set, changes.
func watchAll[T any](txn Reader, tbl, index string, args ...any) ([]*T, <-chan struct{}) {
	it, err := txn.Get(tbl, index, args...)
	if err != nil {
		panic(schemaMisuse(err))
	}
	var out []*T
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*T))
	}
	return out, it.WatchCh()
}
