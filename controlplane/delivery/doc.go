// Package delivery sends one notification to where a user asked for it:
// a webhook (HTTP POST signed with HMAC-SHA256 of the body under the
// subscription's secret) or a mailbox (SMTP, when the operator configured
// a mail server with the --smtp-* flags).
//
// It owns no state and decides nothing about retries: the notification
// loops (engines' and runs') keep their outboxes in the replicated state
// and call Webhook or Mailer.Send for each attempt. It must not log
// secrets, message bodies or SMTP credentials.
package delivery
