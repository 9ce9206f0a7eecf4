package cluster

import (
	"encoding/json"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// A write whose leader died before answering may or may not have been
// committed. The proposer retries it with the same command ID; the FSM
// remembers recently applied IDs with their outcome and answers a retry
// from memory instead of applying twice (Raft dissertation §6.3).

// dedupeWindow is how long an applied command ID is remembered, far longer
// than any retry loop (ApplyTimeout).
const dedupeWindow = 10 * time.Minute

const tableApplied = "cluster_applied"

type appliedCommand struct {
	ID        string          `json:"id"`
	Time      time.Time       `json:"time"`
	Result    json.RawMessage `json:"result,omitempty"`
	Rejection *Rejection      `json:"rejection,omitempty"`
}

func dedupeTable() Table {
	return Table{
		Schema: &memdb.TableSchema{Name: tableApplied, Indexes: map[string]*memdb.IndexSchema{
			"id":   {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
			"time": {Name: "time", Indexer: &TimeFieldIndex{Field: func(o any) time.Time { return o.(*appliedCommand).Time }}},
		}},
		New: func() any { return new(appliedCommand) },
	}
}

// remembered returns the outcome of an already applied command ID.
func remembered(txn *memdb.Txn, id string) (*appliedCommand, bool) {
	if id == "" {
		return nil, false
	}
	raw, err := txn.First(tableApplied, "id", id)
	if err != nil || raw == nil {
		return nil, false
	}
	return raw.(*appliedCommand), true
}

// remember records a command's outcome and forgets a few expired ones,
// using the command's own time so every replica evicts the same rows.
func remember(txn *memdb.Txn, cmd Command, result json.RawMessage, rej *Rejection) error {
	if cmd.ID == "" {
		return nil
	}
	if err := txn.Insert(tableApplied, &appliedCommand{ID: cmd.ID, Time: cmd.Meta.Time, Result: result, Rejection: rej}); err != nil {
		return err
	}
	cutoff := cmd.Meta.Time.Add(-dedupeWindow)
	it, err := txn.Get(tableApplied, "time")
	if err != nil {
		return err
	}
	var expired []any
	for raw := it.Next(); raw != nil && len(expired) < 8; raw = it.Next() {
		if !raw.(*appliedCommand).Time.Before(cutoff) {
			break
		}
		expired = append(expired, raw)
	}
	for _, raw := range expired {
		if err := txn.Delete(tableApplied, raw); err != nil {
			return err
		}
	}
	return nil
}
