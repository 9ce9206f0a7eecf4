package notifications

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/delivery"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Notifier is the leader-only notification loop.
type Notifier struct {
	Store api.Store
	// Lookback is how far back a new leader looks for finished runs whose
	// notifications may not be enqueued yet. Default 1 h.
	Lookback time.Duration
	// Retry is the first retry delay of a failed delivery, doubled each
	// time. Default 30 s.
	Retry time.Duration
	// Rescan bounds one wait. Default 5 s.
	Rescan time.Duration
	// Client posts the notifications. Default: 10 s timeout.
	Client *http.Client
	// Mail sends the notifications of subscriptions without a url to the
	// subscriber's profile email; nil or unconfigured: they fail and are
	// retried.
	Mail   *delivery.Mailer
	Logger *slog.Logger
}

func (n *Notifier) defaults() {
	if n.Lookback <= 0 {
		n.Lookback = time.Hour
	}
	if n.Retry <= 0 {
		n.Retry = 30 * time.Second
	}
	if n.Rescan <= 0 {
		n.Rescan = 5 * time.Second
	}
	if n.Client == nil {
		n.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if n.Logger == nil {
		n.Logger = slog.Default()
	}
}

// Loop runs until ctx ends (leadership lost).
func (n Notifier) Loop(ctx context.Context) {
	n.defaults()
	proposed := map[string]bool{} // subjects enqueued during this leadership
	var lastActive map[string]string
	var lastLook time.Time
	for ctx.Err() == nil {
		look := time.Now()
		txn := n.Store.Read()
		execs, execCh := state.WatchActiveExecutions(txn)
		plans, planCh := state.WatchActivePlanExecutions(txn)
		outbox, outCh := state.WatchRunOutbox(txn)
		active := map[string]string{}
		for _, e := range execs {
			active[e.ID] = state.OwnerTask
		}
		for _, p := range plans {
			active[p.ID] = state.OwnerPlan
		}
		seen, lookedAt := active, look
		if state.HasRunSubscriptions(txn) {
			done, err := n.finished(txn, lastActive, active, lastLook)
			if err != nil {
				// The next look starts from the same point: nothing is lost.
				n.Logger.Error("find finished runs", "err", err)
				seen, lookedAt = lastActive, lastLook
			}
			for id, kind := range done {
				if !proposed[id] {
					proposed[id] = true
					n.apply(ctx, state.CmdRunNotificationEnqueue, state.RunNotificationEnqueueRequest{SubjectKind: kind, SubjectID: id})
				}
			}
		}
		lastActive, lastLook = seen, lookedAt
		wait := n.Rescan
		for _, o := range outbox {
			if d := time.Until(o.NextAttemptAt); d > 0 {
				wait = min(wait, d)
				continue
			}
			n.deliver(ctx, txn, o)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-execCh:
		case <-planCh:
		case <-outCh:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// finished lists the runs that left the active set since the last look,
// and those created and finished between two looks (on the first look:
// every run that finished within Lookback).
func (n *Notifier) finished(txn state.Reader, last, now map[string]string, lastLook time.Time) (map[string]string, error) {
	out := map[string]string{}
	from := lastLook.Add(-time.Second)
	if last == nil {
		from = time.Now().Add(-n.Lookback)
	}
	execs, _, err := state.ListExecutions(txn, state.ExecutionFilter{From: from})
	if err != nil {
		return nil, err
	}
	for _, e := range execs {
		if !e.Active {
			out[e.ID] = state.OwnerTask
		}
	}
	if last == nil {
		for _, p := range state.Plans(txn) {
			for _, pe := range state.PlanExecutionsOf(txn, p.ID) {
				if !pe.Active && pe.FinishedAt != nil && time.Since(*pe.FinishedAt) < n.Lookback {
					out[pe.ID] = state.OwnerPlan
				}
			}
		}
		return out, nil
	}
	for id, kind := range last {
		if _, still := now[id]; !still {
			out[id] = kind
		}
	}
	return out, nil
}

func (n *Notifier) deliver(ctx context.Context, txn state.Reader, o *state.RunNotification) {
	sub := state.RunSubscriptionByID(txn, o.SubscriptionID)
	done := sub == nil // deleted subscription: drop
	if sub != nil {
		err := n.send(ctx, txn, sub, o.Body)
		done = err == nil
		if err != nil {
			n.Logger.Warn("notification delivery failed", "subscription", sub.ID, "event", o.Event, "attempt", o.Attempts+1, "err", err)
		}
	}
	next := time.Now().Add(n.Retry << o.Attempts)
	n.apply(ctx, state.CmdRunNotificationResult, state.RunNotificationResultRequest{ID: o.ID, Done: done, NextAttemptAt: next})
}

func (n *Notifier) send(ctx context.Context, txn state.Reader, sub *state.RunSubscription, body []byte) error {
	if sub.URL != "" {
		return delivery.Webhook(ctx, n.Client, sub.URL, sub.Secret, body)
	}
	u := state.UserByID(txn, sub.UserID)
	if u == nil {
		return fmt.Errorf("user %s no longer exists", sub.UserID)
	}
	var b state.RunNotificationBody
	if err := json.Unmarshal(body, &b); err != nil {
		return fmt.Errorf("notification body: %w", err)
	}
	subject := fmt.Sprintf("Roundhouse: %s %s", b.OwnerName, strings.ToLower(strings.ReplaceAll(b.Event, "_", " ")))
	text := fmt.Sprintf("Event: %s\nRun: %s\nOf: %s (%s)\nStatus: %s\nTime: %s\n", b.Event, b.ExecutionID,
		b.OwnerName, b.OwnerID, b.Status, b.Time.UTC().Format(time.RFC3339))
	if b.Message != "" {
		text += "\n" + b.Message + "\n"
	}
	return n.Mail.Send(ctx, u.Email, subject, text)
}

func (n *Notifier) apply(ctx context.Context, typ string, payload any) {
	cmd, err := cluster.NewCommand(typ, cluster.Meta{}, payload)
	if err == nil {
		_, err = n.Store.Apply(ctx, cmd, nil)
	}
	if err != nil && ctx.Err() == nil {
		n.Logger.Warn("notification command failed", "command", typ, "err", err)
	}
}
