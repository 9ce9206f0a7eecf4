// Package state is the control plane's domain model as replicated state:
// the go-memdb tables and indexes, the typed commands that change them, and
// the rules enforced atomically when a command applies (unique names,
// limits, cascades such as "deleting the last workspace deletes its
// environment"). Spec hands all of it to package cluster.
//
// Rows that only accumulate until a retention prunes them, finished
// executions and audit entries, live in the node's history store
// (cluster.History, on disk) instead of memdb, so memory does not grow
// with history; the read helpers (ExecutionByID, ListExecutions,
// AuditEntries) look in both and callers need not know.
//
// Reads go through a Reader (cluster.Reader) and never turn a failure into
// "not found": the helpers that read the history store return its errors;
// the in-memory tables fail only on a programming error (a table or index
// the schema lacks), on which the helpers panic. Inside apply either stops
// the node (cluster.NodeStop) rather than let it decide differently from
// the other replicas.
//
// Handlers are deterministic: they use only the transaction and the
// command (its Meta.Time is the clock; IDs and secrets' hashes arrive in
// the payload). This package does no I/O of its own, knows nothing of HTTP and never
// sees a secret in clear.
package state
