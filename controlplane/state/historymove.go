package state

import (
	"fmt"

	"github.com/roundhouse/roundhouse/cluster"
)

// moveToHistory is the state's AfterRestore hook: a snapshot written
// before the history store existed holds finished executions and audit
// entries in memdb; they move to history as if written there. On newer
// snapshots there is nothing to move.
func moveToHistory(tx *cluster.Tx) error {
	var finished []*Execution
	for _, e := range all[Execution](tx.Reader, tableExecutions, "id") {
		if !e.Active {
			finished = append(finished, e)
		}
	}
	entries := all[AuditEntry](tx.Reader, tableAudit, "id")
	if len(finished) == 0 && len(entries) == 0 {
		return nil
	}
	h, err := tx.History()
	if err != nil {
		return err
	}
	for _, e := range finished {
		if err := tx.Delete(tableExecutions, e); err != nil {
			return fmt.Errorf("move execution %s: %w", e.ID, err)
		}
		if err := h.Put(historyExecutions, e); err != nil {
			return fmt.Errorf("move execution %s: %w", e.ID, err)
		}
	}
	for _, a := range entries {
		if err := tx.Delete(tableAudit, a); err != nil {
			return fmt.Errorf("move audit entry %d: %w", a.Seq, err)
		}
		if err := h.Put(historyAudit, a); err != nil {
			return fmt.Errorf("move audit entry %d: %w", a.Seq, err)
		}
	}
	return nil
}
