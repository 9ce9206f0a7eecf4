package state

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Engine notification events (Talend's engine notifications).
const (
	EventEngineUnavailable = "ENGINE_UNAVAILABLE"
	EventEngineDeleted     = "ENGINE_DELETED"
)

// NotificationSubscription is one user's request to be told about engine
// events, delivered by webhook (an HTTP POST signed with Secret) or, with
// no URL, by mail to the user's profile email.
type NotificationSubscription struct {
	ID        string    `json:"id"`
	UserID    string    `json:"userId"`
	Events    []string  `json:"events"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret"`
	CreatedAt time.Time `json:"createdAt"`
}

// Notification is one pending delivery in the outbox. It is written in the
// same command as the event, so no event is lost across a failover.
type Notification struct {
	ID             string    `json:"id"`
	SubscriptionID string    `json:"subscriptionId"`
	Event          string    `json:"event"`
	EngineID       string    `json:"engineId"`
	EngineName     string    `json:"engineName"`
	Time           time.Time `json:"time"`
	Attempts       int       `json:"attempts"`
	NextAttempt    time.Time `json:"nextAttempt"`
}

const (
	tableSubscriptions = "notification_subscriptions"
	tableOutbox        = "notification_outbox"

	CmdSubscriptionCreate  = "notification-subscription.create"
	CmdSubscriptionDelete  = "notification-subscription.delete"
	CmdNotificationDone    = "notification.delivered"
	CmdNotificationRetry   = "notification.retry"
	MaxNotificationRetries = 10
)

func notificationSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableSubscriptions, func() any { return new(NotificationSubscription) }, idIndex(),
				stringIndex("user", "UserID", false)),
			table(tableOutbox, func() any { return new(Notification) }, idIndex()),
		},
		Handlers: map[string]cluster.Handler{
			CmdSubscriptionCreate: applySubscriptionCreate,
			CmdSubscriptionDelete: applySubscriptionDelete,
			CmdNotificationDone:   applyNotificationDone,
			CmdNotificationRetry:  applyNotificationRetry,
		},
	}
}

// SubscriptionByID reads a subscription.
func SubscriptionByID(txn Reader, id string) *NotificationSubscription {
	return first[NotificationSubscription](txn, tableSubscriptions, "id", id)
}

// SubscriptionsOf lists a user's subscriptions.
func SubscriptionsOf(txn Reader, userID string) []*NotificationSubscription {
	return all[NotificationSubscription](txn, tableSubscriptions, "user", userID)
}

// PendingNotifications lists the outbox in event order.
func PendingNotifications(txn Reader) []*Notification {
	return all[Notification](txn, tableOutbox, "id")
}

func applySubscriptionCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var s NotificationSubscription
	if err := cmd.Decode(&s); err != nil {
		return nil, err
	}
	if u, err := url.Parse(s.URL); s.URL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return nil, cluster.Reject(cluster.CodeInvalid, "url must be an http or https URL, got %q", s.URL)
	}
	if len(s.Events) == 0 {
		return nil, cluster.Reject(cluster.CodeInvalid, "events must name at least one of %s, %s", EventEngineUnavailable, EventEngineDeleted)
	}
	for _, e := range s.Events {
		if e != EventEngineUnavailable && e != EventEngineDeleted {
			return nil, cluster.Reject(cluster.CodeInvalid, "unknown event %q: use %s or %s", e, EventEngineUnavailable, EventEngineDeleted)
		}
	}
	if UserByID(tx.Reader, s.UserID) == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "user %s not found", s.UserID)
	}
	s.CreatedAt = cmd.Meta.Time
	return &s, tx.Insert(tableSubscriptions, &s)
}

func applySubscriptionDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	s := SubscriptionByID(tx.Reader, req.ID)
	if s == nil || (cmd.Meta.ActorID != "" && s.UserID != cmd.Meta.ActorID) {
		return nil, cluster.Reject(cluster.CodeNotFound, "notification subscription %s not found", req.ID)
	}
	return nil, tx.Delete(tableSubscriptions, s)
}

// notify queues event for every subscription that asked for it.
func notify(tx *cluster.Tx, event string, e *Engine) error { return notifyNth(tx, event, e, 0) }

// notifyNth is notify for the nth (from 1) engine of a command that
// changes several: the number keeps outbox IDs unique and in event order.
// 0 is a command's only engine (the ID format from before batching, so
// replayed logs make the same IDs).
func notifyNth(tx *cluster.Tx, event string, e *Engine, nth int) error {
	for _, s := range all[NotificationSubscription](tx.Reader, tableSubscriptions, "id") {
		if !slices.Contains(s.Events, event) {
			continue
		}
		id := fmt.Sprintf("%020d-%s", tx.Index, s.ID)
		if nth > 0 {
			id = fmt.Sprintf("%020d-%05d-%s", tx.Index, nth, s.ID)
		}
		n := &Notification{ID: id, SubscriptionID: s.ID, Event: event,
			EngineID: e.ID, EngineName: e.Name, Time: tx.Meta.Time, NextAttempt: tx.Meta.Time}
		if err := tx.Insert(tableOutbox, n); err != nil {
			return err
		}
	}
	return nil
}

func applyNotificationDone(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if n := first[Notification](tx.Reader, tableOutbox, "id", req.ID); n != nil {
		return nil, tx.Delete(tableOutbox, n)
	}
	return nil, nil
}

// NotificationRetry records a failed delivery; after MaxNotificationRetries
// the notification is dropped.
type NotificationRetry struct {
	ID          string    `json:"id"`
	NextAttempt time.Time `json:"nextAttempt"`
}

func applyNotificationRetry(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req NotificationRetry
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	n := first[Notification](tx.Reader, tableOutbox, "id", req.ID)
	if n == nil {
		return nil, nil
	}
	next := *n
	next.Attempts++
	if next.Attempts >= MaxNotificationRetries {
		return nil, tx.Delete(tableOutbox, n)
	}
	next.NextAttempt = req.NextAttempt
	return nil, tx.Insert(tableOutbox, &next)
}
