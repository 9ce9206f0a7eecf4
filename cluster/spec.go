package cluster

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
)

// Table is one table of the replicated state.
type Table struct {
	// Schema is the go-memdb schema; it must have an "id" index, which
	// also orders the table in snapshots.
	Schema *memdb.TableSchema
	// New returns a pointer to a zero row, used to decode snapshots.
	New func() any
}

// Handler applies one command. It must be deterministic: it may use only
// tx and cmd (cmd.Meta.Time for the clock, IDs carried in the payload).
// A returned *Rejection aborts the command cleanly; the result must be
// JSON-encodable since it may travel back through leader forwarding.
type Handler func(tx *Tx, cmd Command) (any, error)

// Spec is what the product gives the cluster: its tables and the handlers
// of its command types.
type Spec struct {
	Tables   []Table
	Handlers map[string]Handler
	// OnApplied runs in the same transaction after a handler succeeded,
	// e.g. to append an audit entry. An error aborts the command.
	OnApplied func(tx *Tx, cmd Command, result any) error
	// History declares the tables of the on-disk history store
	// (history.go), for rows that only grow until retention prunes them.
	History []HistoryTable
	// AfterRestore, when set, runs once a snapshot was loaded, in one
	// transaction over the new state and history; e.g. to move rows that
	// an older version kept in memory to the history store.
	AfterRestore func(tx *Tx) error
}

func (s Spec) merged(other Spec) (Spec, error) {
	out := Spec{Handlers: map[string]Handler{}, OnApplied: s.OnApplied}
	out.Tables = append(append(out.Tables, s.Tables...), other.Tables...)
	out.History = append(append(out.History, s.History...), other.History...)
	for _, src := range []map[string]Handler{s.Handlers, other.Handlers} {
		for name, h := range src {
			if _, dup := out.Handlers[name]; dup {
				return Spec{}, fmt.Errorf("command type %q registered twice", name)
			}
			out.Handlers[name] = h
		}
	}
	return out, nil
}

func (s Spec) schema() (*memdb.DBSchema, map[string]Table, error) {
	db := &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{}}
	byName := map[string]Table{}
	for _, t := range s.Tables {
		name := t.Schema.Name
		if _, dup := db.Tables[name]; dup {
			return nil, nil, fmt.Errorf("table %q registered twice", name)
		}
		if t.New == nil {
			return nil, nil, fmt.Errorf("table %q has no New func", name)
		}
		db.Tables[name] = t.Schema
		byName[name] = t
	}
	if err := db.Validate(); err != nil {
		return nil, nil, fmt.Errorf("state schema: %w", err)
	}
	return db, byName, nil
}
