package engines

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/delivery"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// notifier delivers the notification outbox by webhook, or by mail to the
// subscriber's profile email for subscriptions without a url. It is a
// leader-only loop; deliveries and retries are recorded through the
// replicated log, so a new leader resumes the outbox where the old stopped.
type notifier struct {
	store  Store
	client *http.Client
	mail   *delivery.Mailer
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
	if sub.URL == "" {
		return n.mailTo(ctx, sub.UserID, p)
	}
	body, _ := json.Marshal(notificationBody{ID: p.ID, Event: p.Event, EngineID: p.EngineID, EngineName: p.EngineName, Time: p.Time})
	return delivery.Webhook(ctx, n.client, sub.URL, sub.Secret, body)
}

// mailTo mails the notification to the user's profile email (read at
// delivery, so a changed address is honoured).
func (n *notifier) mailTo(ctx context.Context, userID string, p *state.Notification) error {
	u := state.UserByID(n.store.Read(), userID)
	if u == nil {
		return fmt.Errorf("user %s no longer exists", userID)
	}
	what := map[string]string{state.EventEngineUnavailable: "is not available", state.EventEngineDeleted: "has been deleted"}[p.Event]
	subject := fmt.Sprintf("Roundhouse: remote engine %s %s", p.EngineName, what)
	text := fmt.Sprintf("Remote engine %s (%s) %s.\n\nEvent: %s\nTime: %s\n", p.EngineName, p.EngineID, what, p.Event, p.Time.UTC().Format(time.RFC3339))
	return n.mail.Send(ctx, u.Email, subject, text)
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
