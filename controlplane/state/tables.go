package state

import (
	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
)

// Shared helpers for declaring tables and reading rows.

// Reader is a read transaction on the replicated state (see
// cluster.Node.Read and ConsistentRead).
type Reader = *memdb.Txn

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

// first returns the first row of table matching index args, typed.
func first[T any](txn Reader, tbl, index string, args ...any) *T {
	raw, err := txn.First(tbl, index, args...)
	if err != nil || raw == nil {
		return nil
	}
	return raw.(*T)
}

// all returns every row of table matching index args, typed.
func all[T any](txn Reader, tbl, index string, args ...any) []*T {
	it, err := txn.Get(tbl, index, args...)
	if err != nil {
		return nil
	}
	var out []*T
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*T))
	}
	return out
}
