package state

import (
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
	tableAudit = "audit"

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
		Handlers: map[string]cluster.Handler{CmdAuditPrune: applyAuditPrune},
	}
}

// recordAudit is the state's OnApplied hook: every command proposed on
// behalf of a principal leaves an entry. System commands (no actor) don't.
func recordAudit(tx *cluster.Tx, cmd cluster.Command, result any) error {
	if cmd.Meta.ActorID == "" {
		return nil
	}
	target := auditTarget(cmd.Payload, result)
	return tx.Insert(tableAudit, &AuditEntry{
		Seq: tx.Index, Time: cmd.Meta.Time, ActorID: cmd.Meta.ActorID, ActorName: cmd.Meta.ActorName,
		ActorKind: cmd.Meta.ActorKind, ClientIP: cmd.Meta.ClientIP, RequestID: cmd.Meta.RequestID,
		Action: cmd.Type, TargetID: target.ID, TargetName: target.Name,
	})
}

// AuditEntries returns up to limit entries with Seq > after, oldest first.
func AuditEntries(txn Reader, after uint64, limit int) []*AuditEntry {
	it, err := txn.LowerBound(tableAudit, "id", after+1)
	if err != nil {
		return nil
	}
	var out []*AuditEntry
	for raw := it.Next(); raw != nil && len(out) < limit; raw = it.Next() {
		out = append(out, raw.(*AuditEntry))
	}
	return out
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
	it, err := tx.Get(tableAudit, "id")
	if err != nil {
		return nil, err
	}
	var old []any
	for raw := it.Next(); raw != nil && len(old) < req.Max; raw = it.Next() {
		if !raw.(*AuditEntry).Time.Before(req.Before) {
			break
		}
		old = append(old, raw)
	}
	for _, raw := range old {
		if err := tx.Delete(tableAudit, raw); err != nil {
			return nil, err
		}
	}
	return len(old), nil
}
