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

// dedupe mirrors the dedupe table's rows in (time, ID) order so the oldest
// are found without a time index. The order is a function of the table's
// contents alone, so a replica that restored a snapshot evicts exactly the
// rows one that applied the whole log does. Only the apply goroutine uses
// it (raft calls Apply and Restore from one goroutine).
type dedupe struct {
	queue expiryQueue
	// Between remember and settle: rows taken off the queue and the row
	// added, applied to the queue only once the transaction commits.
	evicted []expiry
	added   *expiry
}

// remember records a command's outcome in txn and deletes up to
// dedupeEvictPerApply expired rows, using the command's own time so every
// replica evicts the same rows. The caller must call settle afterwards.
func (d *dedupe) remember(txn *memdb.Txn, cmd Command, result json.RawMessage, rej *Rejection) error {
	if cmd.ID == "" {
		return nil
	}
	row := &appliedCommand{ID: cmd.ID, Time: cmd.Meta.Time, Result: result, Rejection: rej}
	if err := txn.Insert(tableApplied, row); err != nil {
		return fmt.Errorf("remember command %s: %w", cmd.ID, err)
	}
	d.added = &expiry{nanos: row.Time.UnixNano(), id: row.ID}
	cutoff := cmd.Meta.Time.Add(-dedupeWindow).UnixNano()
	for len(d.evicted) < dedupeEvictPerApply && d.queue.Len() > 0 && d.queue[0].nanos < cutoff {
		e := heap.Pop(&d.queue).(expiry)
		d.evicted = append(d.evicted, e)
		if _, err := txn.DeleteAll(tableApplied, "id", e.id); err != nil {
			return fmt.Errorf("forget command %s: %w", e.id, err)
		}
	}
	return nil
}

// settle applies the last remember to the queue if its transaction was
// committed, or undoes it if it was aborted.
func (d *dedupe) settle(committed bool) {
	if committed {
		if d.added != nil {
			heap.Push(&d.queue, *d.added)
		}
	} else {
		for _, e := range d.evicted {
			heap.Push(&d.queue, e)
		}
	}
	d.evicted, d.added = d.evicted[:0], nil
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
	d.evicted, d.added = d.evicted[:0], nil
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
