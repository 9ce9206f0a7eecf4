package engines

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// SignatureHeader carries "sha256=" + hex HMAC-SHA256 of the body, keyed
// with the subscription's secret, on every webhook notification.
const SignatureHeader = "X-Roundhouse-Signature"

// notifier delivers the notification outbox by webhook. It is a
// leader-only loop; deliveries and retries are recorded through the
// replicated log, so a new leader resumes the outbox where the old stopped.
type notifier struct {
	store  Store
	client *http.Client
	log    *slog.Logger
	every  time.Duration
}

// notificationBody is what a webhook receives.
type notificationBody struct {
	ID         string    `json:"id"`
	Event      string    `json:"event"`
	EngineID   string    `json:"engineId"`
	EngineName string    `json:"engineName"`
	Time       time.Time `json:"time"`
}

func (n *notifier) run(ctx context.Context) {
	t := time.NewTicker(n.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Per subscription, in event order: a notification waiting for a
		// retry holds back the later ones.
		held := map[string]bool{}
		for _, p := range state.PendingNotifications(n.store.Read()) {
			if ctx.Err() != nil {
				return
			}
			if held[p.SubscriptionID] || time.Now().Before(p.NextAttempt) || !n.deliver(ctx, p) {
				held[p.SubscriptionID] = true
			}
		}
	}
}

// deliver posts one notification and records the outcome; false means it
// will be retried.
func (n *notifier) deliver(ctx context.Context, p *state.Notification) bool {
	sub := state.SubscriptionByID(n.store.Read(), p.SubscriptionID)
	var err error
	if sub != nil {
		err = n.post(ctx, sub, p)
	}
	if err == nil {
		n.record(ctx, state.CmdNotificationDone, state.IDRequest{ID: p.ID})
		return true
	}
	wait := min(time.Second<<min(p.Attempts, 10), 10*time.Minute)
	n.log.Warn("engine notification not delivered; will retry", "subscription", sub.ID, "event", p.Event, "attempt", p.Attempts+1, "err", err)
	n.record(ctx, state.CmdNotificationRetry, state.NotificationRetry{ID: p.ID, NextAttempt: time.Now().Add(wait).UTC()})
	return false
}

func (n *notifier) post(ctx context.Context, sub *state.NotificationSubscription, p *state.Notification) error {
	body, _ := json.Marshal(notificationBody{ID: p.ID, Event: p.Event, EngineID: p.EngineID, EngineName: p.EngineName, Time: p.Time})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(sub.Secret, body))
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

func (n *notifier) record(ctx context.Context, typ string, payload any) {
	cmd, err := cluster.NewCommand(typ, cluster.Meta{}, payload)
	if err == nil {
		_, err = n.store.Apply(ctx, cmd, nil)
	}
	if err != nil && ctx.Err() == nil {
		n.log.Warn("recording a notification outcome failed", "type", typ, "err", err)
	}
}

// Sign returns the SignatureHeader value for body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
