package cluster

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// A write whose leader died before answering may or may not have been
// committed. The proposer retries it with the same command ID; the FSM
// remembers recently applied IDs with their outcome and answers a retry
// from memory instead of applying twice (Raft dissertation §6.3).

// dedupeWindow is how long an applied command ID is remembered, measured
// on the proposers' clocks (Meta.Time). Only Node.Apply retries a command
// ID, and only within ApplyTimeout, which validate caps at
// maxApplyTimeout: the rest of the window absorbs clock skew between the
// node that stamped a command and the one whose later command evicts it.
// Two minutes instead of ten keeps the table (and snapshots) five times
// smaller at the same write rate.
const dedupeWindow = 2 * time.Minute

// maxApplyTimeout is the longest ApplyTimeout allowed (see dedupeWindow).
const maxApplyTimeout = time.Minute

// dedupeEvictPerApply bounds the rows forgotten per command, so a burst
// of expiries is spread over later applies instead of stalling one.
const dedupeEvictPerApply = 8

const tableApplied = "cluster_applied"

type appliedCommand struct {
	ID        string          `json:"id"`
	Time      time.Time       `json:"time"`
	Result    json.RawMessage `json:"result,omitempty"`
	Rejection *Rejection      `json:"rejection,omitempty"`
}

// dedupeTable has the "id" index only: eviction order is kept by the
// FSM's expiry queue instead of a second memdb index, which halved the
// table's share of apply CPU.
func dedupeTable() Table {
	return Table{
		Schema: &memdb.TableSchema{Name: tableApplied, Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
		}},
		New: func() any { return new(appliedCommand) },
	}
}

// remembered returns the outcome of an already applied command ID.
func remembered(txn *memdb.Txn, id string) (*appliedCommand, error) {
	if id == "" {
		return nil, nil
	}
	raw, err := txn.First(tableApplied, "id", id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*appliedCommand), nil
}

// dedupe mirrors the dedupe table's rows in (time, ID) order so the oldest
// are found without a time index. Only the apply goroutine uses it (raft
// calls Apply and Restore from one goroutine).
//
// The queue may hold entries whose row does not exist: rows added in a
// transaction that was then aborted stay queued (removing them from a
// heap would cost a scan). Eviction skips such phantoms without counting
// them, so the rows actually forgotten depend on the table's contents
// alone: a replica that restored a snapshot, or that applied the log in
// other batches, evicts exactly the rows one that applied it whole does.
type dedupe struct {
	queue expiryQueue
	// evicted are the entries taken off the queue since the last commit,
	// put back if the transaction is aborted.
	evicted []expiry
}

// remember records a command's outcome in txn and deletes up to
// dedupeEvictPerApply expired rows, using the command's own time so every
// replica evicts the same rows. The caller calls commit or undo once the
// transaction is committed or aborted.
func (d *dedupe) remember(txn *memdb.Txn, cmd Command, result json.RawMessage, rej *Rejection) error {
	if cmd.ID == "" {
		return nil
	}
	row := &appliedCommand{ID: cmd.ID, Time: cmd.Meta.Time, Result: result, Rejection: rej}
	if err := txn.Insert(tableApplied, row); err != nil {
		return fmt.Errorf("remember command %s: %w", cmd.ID, err)
	}
	// Queued at once: a later command of the same transaction may evict
	// it, as it would had each command been committed on its own.
	heap.Push(&d.queue, expiry{nanos: row.Time.UnixNano(), id: row.ID})
	cutoff := cmd.Meta.Time.Add(-dedupeWindow).UnixNano()
	for forgotten := 0; forgotten < dedupeEvictPerApply && d.queue.Len() > 0 && d.queue[0].nanos < cutoff; {
		e := heap.Pop(&d.queue).(expiry)
		d.evicted = append(d.evicted, e)
		n, err := txn.DeleteAll(tableApplied, "id", e.id)
		if err != nil {
			return fmt.Errorf("forget command %s: %w", e.id, err)
		}
		forgotten += n // 0 for a phantom
	}
	return nil
}

// commit forgets the undo information: the transaction was committed.
func (d *dedupe) commit() { d.evicted = d.evicted[:0] }

// undo puts back the entries evicted since the last commit: the
// transaction that deleted their rows was aborted.
func (d *dedupe) undo() {
	for _, e := range d.evicted {
		heap.Push(&d.queue, e)
	}
	d.evicted = d.evicted[:0]
}

// reset rebuilds the queue from a (restored) store.
func (d *dedupe) reset(db *memdb.MemDB) error {
	it, err := db.Txn(false).Get(tableApplied, "id")
	if err != nil {
		return fmt.Errorf("scan %s: %w", tableApplied, err)
	}
	d.queue = d.queue[:0]
	for raw := it.Next(); raw != nil; raw = it.Next() {
		row := raw.(*appliedCommand)
		d.queue = append(d.queue, expiry{nanos: row.Time.UnixNano(), id: row.ID})
	}
	heap.Init(&d.queue)
	d.evicted = d.evicted[:0]
	return nil
}

// expiry is one remembered command in the queue.
type expiry struct {
	nanos int64 // appliedCommand.Time
	id    string
}

// expiryQueue is a min-heap by (time, ID): IDs are unique, so the order is
// total and the same on every replica.
type expiryQueue []expiry

func (q expiryQueue) Len() int { return len(q) }
func (q expiryQueue) Less(i, j int) bool {
	if q[i].nanos != q[j].nanos {
		return q[i].nanos < q[j].nanos
	}
	return q[i].id < q[j].id
}
func (q expiryQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *expiryQueue) Push(x any)   { *q = append(*q, x.(expiry)) }
func (q *expiryQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}
