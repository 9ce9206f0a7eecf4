package notifications

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// SignatureHeader carries "sha256=" + hex HMAC-SHA256(secret, body).
const SignatureHeader = "X-Roundhouse-Signature"

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
		if state.HasRunSubscriptions(txn) {
			for id, kind := range n.finished(txn, lastActive, active, lastLook) {
				if !proposed[id] {
					proposed[id] = true
					n.apply(ctx, state.CmdRunNotificationEnqueue, state.RunNotificationEnqueueRequest{SubjectKind: kind, SubjectID: id})
				}
			}
		}
		lastActive, lastLook = active, look
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
func (n *Notifier) finished(txn state.Reader, last, now map[string]string, lastLook time.Time) map[string]string {
	out := map[string]string{}
	from := lastLook.Add(-time.Second)
	if last == nil {
		from = time.Now().Add(-n.Lookback)
	}
	execs, _ := state.ListExecutions(txn, state.ExecutionFilter{From: from})
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
		return out
	}
	for id, kind := range last {
		if _, still := now[id]; !still {
			out[id] = kind
		}
	}
	return out
}

func (n *Notifier) deliver(ctx context.Context, txn state.Reader, o *state.RunNotification) {
	sub := state.RunSubscriptionByID(txn, o.SubscriptionID)
	done := sub == nil // deleted subscription: drop
	if sub != nil {
		err := post(ctx, n.Client, sub, o.Body)
		done = err == nil
		if err != nil {
			n.Logger.Warn("notification delivery failed", "subscription", sub.ID, "event", o.Event, "attempt", o.Attempts+1, "err", err)
		}
	}
	next := time.Now().Add(n.Retry << o.Attempts)
	n.apply(ctx, state.CmdRunNotificationResult, state.RunNotificationResultRequest{ID: o.ID, Done: done, NextAttemptAt: next})
}

func post(ctx context.Context, c *http.Client, sub *state.RunSubscription, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(sub.Secret, body))
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// Sign is the signature header value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
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
