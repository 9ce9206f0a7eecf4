package state

import (
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/schedule"
)

// Webhook is the webhook trigger of a task or plan. Its ID is the SHA-256
// (hex) of the URL's secret: the secret itself is never stored. Batch
// holds the calls of the open window, so a leader change loses none; it is
// bounded by the window threshold (≤ schedule.MaxWindowThreshold calls of
// ≤ schedule.MaxPayloadBytes each).
type Webhook struct {
	ID          string                 `json:"id"`
	OwnerKind   string                 `json:"ownerKind"`
	OwnerID     string                 `json:"ownerId"`
	Window      schedule.WebhookWindow `json:"window"`
	Batch       schedule.WebhookBatch  `json:"batch"`
	LastRefusal string                 `json:"lastRefusal,omitempty"`
	CreatedAt   time.Time              `json:"createdAt"`
}

const (
	tableWebhooks = "webhooks"

	CmdWebhookCreate = "webhook.create"
	CmdWebhookDelete = "webhook.delete"
	CmdWebhookCall   = "webhook.call"
	CmdWebhookExpire = "webhook.expire"
)

func webhookSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableWebhooks, func() any { return new(Webhook) }, idIndex(),
				&memdb.IndexSchema{Name: "owner", Unique: true, Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "OwnerKind"}, &memdb.StringFieldIndex{Field: "OwnerID"}}}}),
		},
		Handlers: map[string]cluster.Handler{
			CmdWebhookCreate: applyWebhookCreate,
			CmdWebhookDelete: applyWebhookDelete,
			CmdWebhookCall:   applyWebhookCall,
			CmdWebhookExpire: applyWebhookExpire,
		},
	}
}

// WebhookByHash reads a webhook by the hash of its secret.
func WebhookByHash(txn Reader, hash string) *Webhook {
	return first[Webhook](txn, tableWebhooks, "id", hash)
}

// WebhookOf reads an owner's webhook.
func WebhookOf(txn Reader, kind, ownerID string) *Webhook {
	return first[Webhook](txn, tableWebhooks, "owner", kind, ownerID)
}

// WatchWebhooks lists every webhook and returns a channel closed when any
// changes (the scheduler wakes at their window deadlines).
func WatchWebhooks(txn Reader) ([]*Webhook, <-chan struct{}) {
	return watchAll[Webhook](txn, tableWebhooks, "id")
}

// WebhookCreateRequest creates (or replaces) an owner's webhook.
type WebhookCreateRequest struct {
	Hash      string                 `json:"hash"`
	OwnerKind string                 `json:"ownerKind"`
	OwnerID   string                 `json:"ownerId"`
	Window    schedule.WebhookWindow `json:"window"`
}

func applyWebhookCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req WebhookCreateRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if err := ownerExists(tx.Reader, req.OwnerKind, req.OwnerID); err != nil {
		return nil, err
	}
	if p := PlanByID(tx.Reader, req.OwnerID); req.OwnerKind == OwnerPlan && p != nil {
		if err := checkPlanWebhook(tx.Reader, p); err != nil {
			return nil, err
		}
	}
	if s := ScheduleOf(tx.Reader, req.OwnerKind, req.OwnerID); s != nil && len(s.Triggers) > 0 {
		return nil, cluster.Reject(cluster.CodeConflict, "this %s has %d time triggers: a webhook must be its only trigger; delete its schedule first", kindWord(req.OwnerKind), len(s.Triggers))
	}
	if err := req.Window.Validate(-1); err != nil {
		return nil, cluster.Reject(cluster.CodeInvalid, "%v", err)
	}
	if cur := WebhookOf(tx.Reader, req.OwnerKind, req.OwnerID); cur != nil {
		if err := tx.Delete(tableWebhooks, cur); err != nil {
			return nil, err
		}
	}
	w := &Webhook{ID: req.Hash, OwnerKind: req.OwnerKind, OwnerID: req.OwnerID, Window: req.Window, CreatedAt: cmd.Meta.Time}
	return nil, tx.Insert(tableWebhooks, w)
}

func applyWebhookDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req OwnerRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if cur := WebhookOf(tx.Reader, req.OwnerKind, req.OwnerID); cur != nil {
		return nil, tx.Delete(tableWebhooks, cur)
	}
	return nil, nil
}

// WebhookCallRequest records one call; ExecutionIDs are the IDs of the
// runs it may start (a call can close an expired window and a full one).
type WebhookCallRequest struct {
	Hash         string               `json:"hash"`
	Call         schedule.WebhookCall `json:"call"`
	ExecutionIDs []string             `json:"executionIds"`
	Limits       RunLimits            `json:"limits"`
}

// WebhookFired says which runs a call or an expiry started.
type WebhookFired struct {
	ExecutionIDs []string `json:"executionIds,omitempty"`
}

func applyWebhookCall(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req WebhookCallRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := WebhookByHash(tx.Reader, req.Hash)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "no such webhook")
	}
	if err := ownerPaused(tx.Reader, cur.OwnerKind, cur.OwnerID); err != nil {
		return nil, err
	}
	next := *cur
	next.Batch.Calls = append([]schedule.WebhookCall(nil), cur.Batch.Calls...)
	batches := next.Batch.Add(cur.Window, cmd.Meta.Time, req.Call)
	out := &WebhookFired{}
	for i, calls := range batches {
		if i >= len(req.ExecutionIDs) {
			return nil, cluster.Reject(cluster.CodeInvalid, "webhook call needs %d execution IDs", len(batches))
		}
		// A refused run (queue full) refuses the call: the caller gets the
		// error and the window keeps nothing of it.
		id, err := startWebhookRun(tx, cur, req.ExecutionIDs[i], calls, req.Limits, cmd.Meta.Time)
		if err != nil {
			return nil, err
		}
		out.ExecutionIDs = append(out.ExecutionIDs, id)
	}
	return out, tx.Insert(tableWebhooks, &next)
}

func ownerPaused(txn Reader, kind, id string) error {
	if kind == OwnerPlan {
		if p := PlanByID(txn, id); p != nil && p.Paused {
			return cluster.Reject(cluster.CodePrecondition, "%splan %q is paused", RefusalTaskPaused, p.Name)
		}
		return nil
	}
	if t := TaskByID(txn, id); t != nil && t.Paused {
		return cluster.Reject(cluster.CodePrecondition, "%stask %q is paused", RefusalTaskPaused, t.Name)
	}
	return nil
}

func startWebhookRun(tx *cluster.Tx, w *Webhook, id string, calls []schedule.WebhookCall, l RunLimits, now time.Time) (string, error) {
	payload, err := schedule.EncodeBatch(calls)
	if err != nil {
		return "", cluster.Reject(cluster.CodeInvalid, "encode webhook batch: %v", err)
	}
	return startOwnerRun(tx, OwnerRun{Kind: w.OwnerKind, OwnerID: w.OwnerID, ExecutionID: id, ExecutionType: ExecutionWebhook,
		Parameters: map[string]string{schedule.PayloadParameter: string(payload)}, Limits: l}, now)
}

// WebhookExpireRequest closes a window whose duration passed.
type WebhookExpireRequest struct {
	Hash        string    `json:"hash"`
	ExecutionID string    `json:"executionId"`
	Limits      RunLimits `json:"limits"`
}

func applyWebhookExpire(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req WebhookExpireRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := WebhookByHash(tx.Reader, req.Hash)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "no such webhook")
	}
	next := *cur
	next.Batch.Calls = append([]schedule.WebhookCall(nil), cur.Batch.Calls...)
	calls := next.Batch.Expire(cur.Window, cmd.Meta.Time)
	if calls == nil {
		return &WebhookFired{}, nil // not due (yet) on this command's clock, or already closed
	}
	out := &WebhookFired{}
	id, err := startWebhookRun(tx, cur, req.ExecutionID, calls, req.Limits, cmd.Meta.Time)
	if rej, ok := cluster.AsRejection(err); ok {
		next.LastRefusal = rej.Message // the window is closed all the same, or it would retry forever
	} else if err != nil {
		return nil, err
	} else {
		out.ExecutionIDs, next.LastRefusal = []string{id}, ""
	}
	return out, tx.Insert(tableWebhooks, &next)
}
