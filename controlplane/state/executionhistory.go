package state

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/roundhouse/roundhouse/cluster"
)

// Where executions live: an unfinished execution is a row of the memdb
// table (the dispatcher and engine sessions watch those); the command that
// gives it a final status moves it to the node's on-disk history store
// (cluster.History), where it stays until retention prunes it. So the
// memory an execution costs ends with it. Reads look in memdb first, then
// in history (see ExecutionByID); a reader may meet a row in both while it
// moves, and then keeps the memdb one, consistent with its transaction.

const historyExecutions = "executions"

// Index keys of the executions history: trigger time, and task or engine
// followed by trigger time, each then the row's key (its ID), so that
// newest-first scans need no sort. The tag carries what the list filters
// need besides (workspace, status, engine) so that counting matches does
// not decode rows.
func executionHistoryTable() cluster.HistoryTable {
	triggered := func(e *Execution) []byte { return cluster.TimeKey(e.TriggerTime) }
	return cluster.HistoryTable{
		Name: historyExecutions,
		New:  func() any { return new(Execution) },
		Key:  func(row any) []byte { return []byte(row.(*Execution).ID) },
		Indexes: []cluster.HistoryIndex{
			{Name: "triggered", Key: func(row any) []byte { return triggered(row.(*Execution)) }},
			{Name: "task", Key: func(row any) []byte {
				e := row.(*Execution)
				return append(prefixKey(e.TaskID), triggered(e)...)
			}},
			{Name: "engine", Key: func(row any) []byte {
				e := row.(*Execution)
				if e.EngineID == "" {
					return nil
				}
				return append(prefixKey(e.EngineID), triggered(e)...)
			}},
		},
		Tag: func(row any) []byte {
			e := row.(*Execution)
			return []byte(e.WorkspaceID + "\x00" + e.ExecutionStatus + "\x00" + e.EngineID)
		},
	}
}

// prefixKey is s and a zero byte: IDs never hold one, so a prefix scan
// of one ID never meets another that starts the same way.
func prefixKey(s string) []byte { return append([]byte(s), 0) }

// executionTag is a history entry's tag decoded.
type executionTag struct{ workspaceID, status, engineID string }

func parseExecutionTag(tag []byte) executionTag {
	parts := bytes.SplitN(tag, []byte{0}, 3)
	for len(parts) < 3 {
		parts = append(parts, nil)
	}
	return executionTag{string(parts[0]), string(parts[1]), string(parts[2])}
}

// historyExecution reads a finished execution from the history store.
func historyExecution(txn Reader, id string) (*Execution, error) {
	var e *Execution
	err := readHistory(txn, func(v *cluster.HistoryView) error {
		row := new(Execution)
		ok, err := v.Get(historyExecutions, []byte(id), row)
		if ok {
			e = row
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read execution %s: %w", id, err)
	}
	return e, nil
}

// storeExecution writes next, the new version of cur (nil for a new
// execution): in memdb while unfinished, in history once final.
func storeExecution(tx *cluster.Tx, cur, next *Execution) error {
	if next.Active {
		if cur != nil && !cur.Active { // not expected: a final status is final
			if err := deleteExecutionHistory(tx, cur.ID); err != nil {
				return err
			}
		}
		return tx.Insert(tableExecutions, next)
	}
	if cur != nil && cur.Active {
		if err := tx.Delete(tableExecutions, cur); err != nil {
			return err
		}
	}
	h, err := tx.History()
	if err != nil {
		return err
	}
	return h.Put(historyExecutions, next)
}

func deleteExecutionHistory(tx *cluster.Tx, id string) error {
	h, err := tx.History()
	if err != nil {
		return err
	}
	return h.Delete(historyExecutions, []byte(id))
}

// taskHasRun reports whether the task has any execution, unfinished or in
// history.
func taskHasRun(txn Reader, taskID string) (bool, error) {
	if first[Execution](txn, tableExecutions, "task", taskID) != nil {
		return true, nil
	}
	found := false
	prefix := prefixKey(taskID)
	err := readHistory(txn, func(v *cluster.HistoryView) error {
		return v.Scan(historyExecutions, "task", cluster.HistoryRange{From: prefix, To: prefixEnd(prefix)}, func(cluster.HistoryEntry) bool {
			found = true
			return false
		})
	})
	if err != nil {
		return false, fmt.Errorf("find the executions of task %s: %w", taskID, err)
	}
	return found, nil
}

// prefixEnd is the first key after every key starting with prefix.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// readHistory runs fn on the history store as txn sees it. A state built
// without one (unit tests of handlers) has an empty history.
func readHistory(txn Reader, fn func(*cluster.HistoryView) error) error {
	err := txn.ReadHistory(fn)
	if errors.Is(err, cluster.ErrNoHistory) {
		return nil
	}
	return err
}
