// Package audit serves the audit log (GET /account/audit-logs) and runs
// its retention clean-up as a leader-only loop. Entries themselves are
// written by controlplane/state in the same transaction as each change.
package audit
