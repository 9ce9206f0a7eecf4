package state

import (
	"sort"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/schedule"
)

// Owner kinds of schedules, webhooks and runs (schedule.OwnerKind's values).
const (
	OwnerTask = string(schedule.TaskOwner)
	OwnerPlan = string(schedule.PlanOwner)
)

// MaxRecentFires bounds the fire history kept on a schedule row.
const MaxRecentFires = 50

// Schedule is the replicated schedule of one task or plan: its triggers as
// the API saved them (normalized, IDs assigned) and what the scheduler
// recorded of their fires.
type Schedule struct {
	ID        string             `json:"id"` // OwnerKind + ":" + OwnerID
	OwnerKind string             `json:"ownerKind"`
	OwnerID   string             `json:"ownerId"`
	Triggers  []schedule.Trigger `json:"triggers"`
	// Since is when the schedule was saved: nothing planned at or before it
	// fires (an edit takes effect at once and replays nothing).
	Since time.Time `json:"since"`
	// LastFires is each trigger's last recorded fire mark (schedule.Fire.Mark).
	LastFires   map[string]time.Time `json:"lastFires,omitempty"`
	RecentFires []FireRecord         `json:"recentFires,omitempty"`
	UpdatedAt   time.Time            `json:"updatedAt"`
}

// FireRecord is one recorded fire: the run it started or why none started.
type FireRecord struct {
	TriggerID   string    `json:"triggerId"`
	Planned     time.Time `json:"planned"`
	At          time.Time `json:"at"`
	Misfired    bool      `json:"misfired,omitempty"`
	ExecutionID string    `json:"executionId,omitempty"`
	Refusal     string    `json:"refusal,omitempty"`
}

// ScheduleKey is the row ID of an owner's schedule.
func ScheduleKey(kind, ownerID string) string { return kind + ":" + ownerID }

const (
	tableSchedules = "schedules"

	CmdSchedulePut    = "schedule.put"
	CmdScheduleDelete = "schedule.delete"
	CmdScheduleFire   = "schedule.fire"
	// CmdScheduleFireBatch is many CmdScheduleFire in one raft entry.
	CmdScheduleFireBatch = "schedule.fire-batch"
)

func scheduleSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{table(tableSchedules, func() any { return new(Schedule) }, idIndex())},
		Handlers: map[string]cluster.Handler{
			CmdSchedulePut:       applySchedulePut,
			CmdScheduleDelete:    applyScheduleDelete,
			CmdScheduleFire:      applyScheduleFire,
			CmdScheduleFireBatch: applyScheduleFireBatch,
		},
	}
}

// ScheduleOf reads an owner's schedule (nil when it has none).
func ScheduleOf(txn Reader, kind, ownerID string) *Schedule {
	return first[Schedule](txn, tableSchedules, "id", ScheduleKey(kind, ownerID))
}

// WatchSchedules lists every schedule and returns a channel closed when
// any changes (the scheduler loop's wake-up).
func WatchSchedules(txn Reader) ([]*Schedule, <-chan struct{}) {
	return watchAll[Schedule](txn, tableSchedules, "id")
}

// SchedulePutRequest saves an owner's triggers; the proposer validated and
// normalized them with schedule.Validate and assigned trigger IDs.
type SchedulePutRequest struct {
	OwnerKind string             `json:"ownerKind"`
	OwnerID   string             `json:"ownerId"`
	Triggers  []schedule.Trigger `json:"triggers"`
}

func applySchedulePut(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req SchedulePutRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if err := ownerExists(tx.Reader, req.OwnerKind, req.OwnerID); err != nil {
		return nil, err
	}
	if len(req.Triggers) > 0 && WebhookOf(tx.Reader, req.OwnerKind, req.OwnerID) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "this %s has a webhook: a webhook must be its only trigger; delete the webhook first", kindWord(req.OwnerKind))
	}
	next := &Schedule{ID: ScheduleKey(req.OwnerKind, req.OwnerID), OwnerKind: req.OwnerKind, OwnerID: req.OwnerID,
		Triggers: req.Triggers, Since: cmd.Meta.Time, LastFires: map[string]time.Time{}, UpdatedAt: cmd.Meta.Time}
	if cur := ScheduleOf(tx.Reader, req.OwnerKind, req.OwnerID); cur != nil {
		// Keep the marks of triggers that stay, so an edit never repeats a fire.
		for _, t := range req.Triggers {
			if m, ok := cur.LastFires[t.ID]; ok {
				next.LastFires[t.ID] = m
			}
		}
		next.RecentFires = cur.RecentFires
	}
	return next, tx.Insert(tableSchedules, next)
}

// OwnerRequest names a task or plan.
type OwnerRequest struct {
	OwnerKind string `json:"ownerKind"`
	OwnerID   string `json:"ownerId"`
}

func applyScheduleDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req OwnerRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := ScheduleOf(tx.Reader, req.OwnerKind, req.OwnerID)
	if cur == nil {
		return nil, nil
	}
	return nil, tx.Delete(tableSchedules, cur)
}

func ownerExists(txn Reader, kind, id string) error {
	switch kind {
	case OwnerTask:
		t := TaskByID(txn, id)
		if t == nil {
			return cluster.Reject(cluster.CodeNotFound, "task %s not found", id)
		}
		return refuseServiceTask(txn, t, "scheduled or triggered by a webhook")
	case OwnerPlan:
		if PlanByID(txn, id) == nil {
			return cluster.Reject(cluster.CodeNotFound, "plan %s not found", id)
		}
	default:
		return cluster.Reject(cluster.CodeInvalid, "owner kind must be %s or %s, got %q", OwnerTask, OwnerPlan, kind)
	}
	return nil
}

func kindWord(kind string) string {
	if kind == OwnerPlan {
		return "plan"
	}
	return "task"
}

// FireMark is one trigger's part in a fire: its planned time and the mark
// to record as its last fire.
type FireMark struct {
	TriggerID string    `json:"triggerId"`
	Planned   time.Time `json:"planned"`
	Mark      time.Time `json:"mark"`
	Misfired  bool      `json:"misfired,omitempty"`
}

// ScheduleFireRequest records one fire of an owner's triggers and starts
// its run in the same command, so a fire is recorded if and only if its
// run was created (or refused, which is recorded too).
type ScheduleFireRequest struct {
	OwnerKind   string     `json:"ownerKind"`
	OwnerID     string     `json:"ownerId"`
	Marks       []FireMark `json:"marks"`
	ExecutionID string     `json:"executionId"`
	Run         RunLimits  `json:"run"`
	// TimeoutMinutes overrides the task timeout (trigger timeout); 0 keeps it.
	TimeoutMinutes int `json:"timeoutMinutes,omitempty"`
}

// FireResult is the answer of a fire.
type FireResult struct {
	ExecutionID string `json:"executionId,omitempty"`
	Refusal     string `json:"refusal,omitempty"`
	Skipped     string `json:"skipped,omitempty"`
}

func applyScheduleFire(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ScheduleFireRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	return fireOne(tx, req, cmd.Meta.Time)
}

// ScheduleFireBatchRequest records many fires in one raft entry (fires
// due together); each is applied as its own ScheduleFireRequest.
type ScheduleFireBatchRequest struct {
	Fires []ScheduleFireRequest `json:"fires"`
}

// FireBatchResult answers a batch, index for index; a fire already
// recorded (or whose schedule is gone) has Skipped set.
type FireBatchResult struct {
	Results []FireResult `json:"results"`
}

func applyScheduleFireBatch(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ScheduleFireBatchRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	out := &FireBatchResult{Results: make([]FireResult, len(req.Fires))}
	for i, f := range req.Fires {
		res, err := fireOne(tx, f, cmd.Meta.Time)
		if rej, ok := cluster.AsRejection(err); ok && (rej.Code == cluster.CodeConflict || rej.Code == cluster.CodeNotFound) {
			out.Results[i].Skipped = rej.Message
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Results[i] = *res
	}
	return out, nil
}

func fireOne(tx *cluster.Tx, req ScheduleFireRequest, now time.Time) (*FireResult, error) {
	cur := ScheduleOf(tx.Reader, req.OwnerKind, req.OwnerID)
	if cur == nil || len(req.Marks) == 0 {
		return nil, cluster.Reject(cluster.CodeNotFound, "no schedule for %s %s", kindWord(req.OwnerKind), req.OwnerID)
	}
	// A fire whose mark is not after the recorded one was already made (by
	// this or an earlier leader): refuse it, deterministically.
	primary := req.Marks[0]
	if last, ok := cur.LastFires[primary.TriggerID]; ok && !primary.Mark.After(last) {
		return nil, cluster.Reject(cluster.CodeConflict, "trigger %s already fired for %s", primary.TriggerID, primary.Planned.Format(time.RFC3339))
	}
	next := *cur
	next.LastFires = make(map[string]time.Time, len(cur.LastFires)+len(req.Marks))
	for k, v := range cur.LastFires {
		next.LastFires[k] = v
	}
	for _, m := range req.Marks {
		if m.Mark.After(next.LastFires[m.TriggerID]) {
			next.LastFires[m.TriggerID] = m.Mark
		}
	}
	run := OwnerRun{Kind: req.OwnerKind, OwnerID: req.OwnerID, ExecutionID: req.ExecutionID, ExecutionType: ExecutionScheduled,
		TimeoutMinutes: req.TimeoutMinutes, Limits: req.Run}
	res := &FireResult{}
	if id, err := startOwnerRun(tx, run, now); err != nil {
		rej, ok := cluster.AsRejection(err)
		if !ok {
			return nil, err
		}
		res.Refusal = rej.Message // recorded: a refused fire is not retried
	} else {
		res.ExecutionID = id
	}
	rec := FireRecord{TriggerID: primary.TriggerID, Planned: primary.Planned, At: now, Misfired: primary.Misfired,
		ExecutionID: res.ExecutionID, Refusal: res.Refusal}
	next.RecentFires = appendBounded(cur.RecentFires, rec)
	return res, tx.Insert(tableSchedules, &next)
}

func appendBounded(list []FireRecord, rec FireRecord) []FireRecord {
	out := append(append(make([]FireRecord, 0, len(list)+1), list...), rec)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	if len(out) > MaxRecentFires {
		out = out[len(out)-MaxRecentFires:]
	}
	return out
}

// deleteTriggersOf removes an owner's schedule and webhook (the owner is
// being deleted).
func deleteTriggersOf(tx *cluster.Tx, kind, ownerID string) error {
	if s := ScheduleOf(tx.Reader, kind, ownerID); s != nil {
		if err := tx.Delete(tableSchedules, s); err != nil {
			return err
		}
	}
	if w := WebhookOf(tx.Reader, kind, ownerID); w != nil {
		return tx.Delete(tableWebhooks, w)
	}
	return nil
}
