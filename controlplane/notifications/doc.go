// Package notifications sends users' chosen run events (task runs Failed,
// Rejected, Successful; plan runs Failed, Successful) to their webhook
// URLs, or by mail to their profile email (package delivery): the
// `/account/notification-subscriptions` endpoints and the leader-only
// Notifier loop.
//
// Subscriptions and the outbox are replicated state (state/notifications.go).
// The Notifier notices finished runs, enqueues their notifications through
// raft (IDs derived from run and subscription, so a new leader re-enqueueing
// duplicates nothing), and delivers each by HTTP POST signed with
// HMAC-SHA256 of the body under the subscription's secret
// (header X-Roundhouse-Signature: sha256=<hex>). Delivery is at least once:
// a leader change between a POST and its recorded result repeats the POST.
// It must not log secrets or bodies.
package notifications
