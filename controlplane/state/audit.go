package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
)

// AuditEntry records one accepted change: who, what, when, from where.
// It is written in the same transaction as the change itself.
type AuditEntry struct {
	Seq        uint64    `json:"seq"` // the raft index: unique and ordered
	Time       time.Time `json:"time"`
	ActorID    string    `json:"actorId"`
	ActorName  string    `json:"actorName"`
	ActorKind  string    `json:"actorKind"`
	ClientIP   string    `json:"clientIp"`
	RequestID  string    `json:"requestId"`
	Action     string    `json:"action"`
	TargetID   string    `json:"targetId,omitempty"`
	TargetName string    `json:"targetName,omitempty"`
}

const (
	// tableAudit is where versions before the history store kept the
	// entries; snapshots of those still load into it and are moved to
	// history right after (moveToHistory).
	tableAudit = "audit"
	// historyAudit is the history table of the entries, keyed by Seq.
	historyAudit = "audit"

	// CmdAuditPrune deletes entries older than a cutoff (retention).
	CmdAuditPrune = "audit.prune"
)

func auditSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{{
			Schema: &memdb.TableSchema{Name: tableAudit, Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: &memdb.UintFieldIndex{Field: "Seq"}},
			}},
			New: func() any { return new(AuditEntry) },
		}},
		History: []cluster.HistoryTable{{
			Name: historyAudit,
			New:  func() any { return new(AuditEntry) },
			Key:  func(row any) []byte { return auditKey(row.(*AuditEntry).Seq) },
		}},
		Handlers: map[string]cluster.Handler{CmdAuditPrune: applyAuditPrune},
	}
}

func auditKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// recordAudit is the state's OnApplied hook: every command proposed on
// behalf of a principal leaves an entry. System commands (no actor) don't.
func recordAudit(tx *cluster.Tx, cmd cluster.Command, result any) error {
	if cmd.Meta.ActorID == "" {
		return nil
	}
	target := auditTarget(cmd.Payload, result)
	h, err := tx.History()
	if err != nil {
		return err
	}
	return h.Put(historyAudit, &AuditEntry{
		Seq: tx.Index, Time: cmd.Meta.Time, ActorID: cmd.Meta.ActorID, ActorName: cmd.Meta.ActorName,
		ActorKind: cmd.Meta.ActorKind, ClientIP: cmd.Meta.ClientIP, RequestID: cmd.Meta.RequestID,
		Action: cmd.Type, TargetID: target.ID, TargetName: target.Name,
	})
}

// AuditEntries returns up to limit entries with Seq > after, oldest
// first. An error is a failed read of the history store.
func AuditEntries(txn Reader, after uint64, limit int) ([]*AuditEntry, error) {
	var out []*AuditEntry
	err := readHistory(txn, func(v *cluster.HistoryView) error {
		var err error
		out, err = scanAudit(v, after, limit, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read audit entries: %w", err)
	}
	return out, nil
}

// scanAudit decodes up to limit entries after seq, oldest first, until
// stop (when given) says an entry is past what is wanted.
func scanAudit(v *cluster.HistoryView, after uint64, limit int, stop func(*AuditEntry) bool) ([]*AuditEntry, error) {
	var out []*AuditEntry
	var err error
	scanErr := v.Scan(historyAudit, "", cluster.HistoryRange{From: auditKey(after + 1)}, func(e cluster.HistoryEntry) bool {
		if len(out) >= limit {
			return false
		}
		entry := new(AuditEntry)
		if _, err = v.Get(historyAudit, e.Key, entry); err != nil || (stop != nil && stop(entry)) {
			return false
		}
		out = append(out, entry)
		return true
	})
	return out, errors.Join(scanErr, err)
}

// AuditPruneRequest deletes entries older than Before, at most Max.
type AuditPruneRequest struct {
	Before time.Time `json:"before"`
	Max    int       `json:"max"`
}

func applyAuditPrune(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req AuditPruneRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	h, err := tx.History()
	if err != nil {
		return nil, err
	}
	// Entries are in Seq order, which is time order: stop at the first
	// one not older than the cutoff.
	old, err := scanAudit(&h.HistoryView, 0, req.Max, func(e *AuditEntry) bool { return !e.Time.Before(req.Before) })
	if err != nil {
		return nil, err
	}
	for _, e := range old {
		if err := h.Delete(historyAudit, auditKey(e.Seq)); err != nil {
			return nil, err
		}
	}
	return len(old), nil
}
