package state

import (
	"encoding/json"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
)

// RunNotification events (Talend: task runs Failed, Rejected, Successful; plan
// runs Failed, Successful).
const (
	EventTaskFailed     = "TASK_FAILED"
	EventTaskRejected   = "TASK_REJECTED"
	EventTaskSuccessful = "TASK_SUCCESSFUL"
	EventPlanFailed     = "PLAN_FAILED"
	EventPlanSuccessful = "PLAN_SUCCESSFUL"
)

// RunNotificationEvents lists every event a subscription may name.
var RunNotificationEvents = []string{EventTaskFailed, EventTaskRejected, EventTaskSuccessful, EventPlanFailed, EventPlanSuccessful}

// Outbox bounds (ours).
const (
	MaxRunSubscriptionsPerUser = 20
	MaxRunOutbox               = 10000
	MaxRunDeliveryAttempts     = 5
)

// RunSubscription sends a user's chosen events to a URL (no URL: by mail
// to the user's profile email). Secret keys the
// HMAC-SHA256 signature of each delivery; it has to be kept to sign and
// is never shown again nor logged.
type RunSubscription struct {
	ID        string    `json:"id"`
	UserID    string    `json:"userId"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"secret"` // the API's views leave it out
	CreatedAt time.Time `json:"createdAt"`
}

// RunNotification is one delivery waiting in the outbox. Its ID is derived
// from the subject and the subscription, so enqueueing twice (a retry, a
// new leader) keeps one.
type RunNotification struct {
	ID             string          `json:"id"`
	SubscriptionID string          `json:"subscriptionId"`
	Event          string          `json:"event"`
	SubjectID      string          `json:"subjectId"`
	Body           json.RawMessage `json:"body"`
	CreatedAt      time.Time       `json:"createdAt"`
	Attempts       int             `json:"attempts"`
	NextAttemptAt  time.Time       `json:"nextAttemptAt"`
}

const (
	tableRunSubscriptions = "run_notification_subscriptions"
	tableRunOutbox        = "run_notification_outbox"

	CmdRunSubscriptionCreate  = "run-notification-subscription.create"
	CmdRunSubscriptionDelete  = "run-notification-subscription.delete"
	CmdRunNotificationEnqueue = "run-notification.enqueue"
	CmdRunNotificationResult  = "run-notification.result"
)

func runNotificationSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableRunSubscriptions, func() any { return new(RunSubscription) }, idIndex(), stringIndex("user", "UserID", false)),
			table(tableRunOutbox, func() any { return new(RunNotification) }, idIndex(),
				&memdb.IndexSchema{Name: "next", Indexer: &cluster.TimeFieldIndex{Field: func(o any) time.Time { return o.(*RunNotification).NextAttemptAt }}}),
		},
		Handlers: map[string]cluster.Handler{
			CmdRunSubscriptionCreate:  applyRunSubscriptionCreate,
			CmdRunSubscriptionDelete:  applyRunSubscriptionDelete,
			CmdRunNotificationEnqueue: applyRunNotificationEnqueue,
			CmdRunNotificationResult:  applyRunNotificationResult,
		},
	}
}

// RunSubscriptionByID reads a subscription.
func RunSubscriptionByID(txn Reader, id string) *RunSubscription {
	return first[RunSubscription](txn, tableRunSubscriptions, "id", id)
}

// RunSubscriptionsOf lists a user's subscriptions.
func RunSubscriptionsOf(txn Reader, userID string) []*RunSubscription {
	return all[RunSubscription](txn, tableRunSubscriptions, "user", userID)
}

// WatchRunOutbox returns the waiting notifications, soonest first, and a
// channel closed when the outbox changes.
func WatchRunOutbox(txn Reader) ([]*RunNotification, <-chan struct{}) {
	return watchAll[RunNotification](txn, tableRunOutbox, "next")
}

func applyRunSubscriptionCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var s RunSubscription
	if err := cmd.Decode(&s); err != nil {
		return nil, err
	}
	if s.UserID == "" || s.Secret == "" || len(s.Events) == 0 {
		return nil, cluster.Reject(cluster.CodeInvalid, "a subscription needs a user, a secret and events")
	}
	for _, e := range s.Events {
		if !validRunEvent(e) {
			return nil, cluster.Reject(cluster.CodeInvalid, "events: %q is not one of %v", e, RunNotificationEvents)
		}
	}
	if n := len(RunSubscriptionsOf(tx.Reader, s.UserID)); n >= MaxRunSubscriptionsPerUser {
		return nil, cluster.Reject(cluster.CodePrecondition, "a user may have at most %d subscriptions", MaxRunSubscriptionsPerUser)
	}
	s.CreatedAt = cmd.Meta.Time
	return &s, tx.Insert(tableRunSubscriptions, &s)
}

func validRunEvent(e string) bool {
	for _, v := range RunNotificationEvents {
		if v == e {
			return true
		}
	}
	return false
}

// RunSubscriptionDeleteRequest deletes a subscription of a user.
type RunSubscriptionDeleteRequest struct {
	ID     string `json:"id"`
	UserID string `json:"userId"`
}

func applyRunSubscriptionDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req RunSubscriptionDeleteRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := RunSubscriptionByID(tx.Reader, req.ID)
	if cur == nil || cur.UserID != req.UserID {
		return nil, cluster.Reject(cluster.CodeNotFound, "subscription %s not found", req.ID)
	}
	return nil, tx.Delete(tableRunSubscriptions, cur)
}

// RunNotificationEnqueueRequest asks for the notifications of a finished task
// or plan execution; the handler derives the event from the state.
type RunNotificationEnqueueRequest struct {
	SubjectKind string `json:"subjectKind"` // OwnerTask or OwnerPlan
	SubjectID   string `json:"subjectId"`
}

// RunNotificationBody is what a subscriber receives.
type RunNotificationBody struct {
	Event       string    `json:"event"`
	ExecutionID string    `json:"executionId"`
	OwnerID     string    `json:"ownerId"` // task or plan
	OwnerName   string    `json:"ownerName,omitempty"`
	Status      string    `json:"status"`
	Message     string    `json:"message,omitempty"`
	Time        time.Time `json:"time"`
}

func applyRunNotificationEnqueue(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req RunNotificationEnqueueRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	body, ok, err := runNotificationBody(tx.Reader, req)
	if err != nil || !ok {
		return 0, err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, s := range all[RunSubscription](tx.Reader, tableRunSubscriptions, "id") {
		if !contains(s.Events, body.Event) || s.CreatedAt.After(body.Time) {
			continue
		}
		id := DerivedID("notification", req.SubjectID, s.ID)
		if first[RunNotification](tx.Reader, tableRunOutbox, "id", id) != nil {
			continue
		}
		if len(all[RunNotification](tx.Reader, tableRunOutbox, "id")) >= MaxRunOutbox {
			return n, cluster.Reject(cluster.CodePrecondition, "notification outbox is full (%d)", MaxRunOutbox)
		}
		if err := tx.Insert(tableRunOutbox, &RunNotification{ID: id, SubscriptionID: s.ID, Event: body.Event, SubjectID: req.SubjectID,
			Body: raw, CreatedAt: cmd.Meta.Time, NextAttemptAt: cmd.Meta.Time}); err != nil {
			return nil, err
		}
		n++
	}
	return n, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// runNotificationBody is the event of a finished execution; false when it
// is not finished or its status notifies nobody (stopped, timed out).
func runNotificationBody(txn Reader, req RunNotificationEnqueueRequest) (RunNotificationBody, bool, error) {
	if req.SubjectKind == OwnerPlan {
		pe := PlanExecutionByID(txn, req.SubjectID)
		if pe == nil || pe.FinishedAt == nil {
			return RunNotificationBody{}, false, nil
		}
		ev := map[string]string{PlanSucceeded: EventPlanSuccessful, PlanFailed: EventPlanFailed}[pe.Status]
		return RunNotificationBody{Event: ev, ExecutionID: pe.ID, OwnerID: pe.PlanID, OwnerName: pe.PlanName, Status: pe.Status, Time: *pe.FinishedAt}, ev != "", nil
	}
	e, err := ExecutionByID(txn, req.SubjectID)
	if err != nil || e == nil || e.FinishedAt == nil {
		return RunNotificationBody{}, false, err
	}
	ev := map[string]string{ExecSuccess: EventTaskSuccessful, ExecFailed: EventTaskFailed, ExecRejected: EventTaskRejected}[e.ExecutionStatus]
	b := RunNotificationBody{Event: ev, ExecutionID: e.ID, OwnerID: e.TaskID, Status: e.ExecutionStatus, Message: e.ErrorMessage, Time: *e.FinishedAt}
	if t := TaskByID(txn, e.TaskID); t != nil {
		b.OwnerName = t.Name
	}
	return b, ev != "", nil
}

// RunNotificationResultRequest records a delivery attempt: delivered (or
// given up) removes the row, otherwise it waits until NextAttemptAt.
type RunNotificationResultRequest struct {
	ID            string    `json:"id"`
	Done          bool      `json:"done"`
	NextAttemptAt time.Time `json:"nextAttemptAt"`
}

func applyRunNotificationResult(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req RunNotificationResultRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := first[RunNotification](tx.Reader, tableRunOutbox, "id", req.ID)
	if cur == nil {
		return nil, nil
	}
	if req.Done || cur.Attempts+1 >= MaxRunDeliveryAttempts {
		return nil, tx.Delete(tableRunOutbox, cur)
	}
	next := *cur
	next.Attempts, next.NextAttemptAt = cur.Attempts+1, req.NextAttemptAt
	return nil, tx.Insert(tableRunOutbox, &next)
}

// HasRunSubscriptions reports whether any user subscribed to anything (the
// notifier proposes nothing otherwise).
func HasRunSubscriptions(txn Reader) bool {
	return first[RunSubscription](txn, tableRunSubscriptions, "id") != nil
}
