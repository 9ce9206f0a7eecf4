// Package executions runs job tasks: the /processing/executions endpoints,
// the leader-only dispatcher that places queued executions on engines
// (least busy available engine of a cluster first, under a per-engine
// concurrency cap), the leader-only deadline loop (timeouts, busy
// retries), the entry points the engine session layer calls
// (ReportStatus, AppendLogs) and the execution logs.
//
// Every decision is a replicated command whose handler (package state)
// re-checks it, so a new leader resumes exactly where the old one stopped
// and a duplicate report changes nothing. The state machine itself is the
// pure function state.NextExecution.
//
// Engines are not this package's: it sees them only through the small
// EngineDirectory interface, and engine sessions see assignments by
// watching state.WatchEngineExecutions on their node's replica.
//
// Logs stay out of raft on purpose: a chatty job must never slow down or
// bloat the replicated log. Each node appends the lines it receives to a
// per-execution file under its data dir, bounded in size (MaxLogBytes per
// execution, 100 KB per message, as Talend truncates), and records once
// per execution through raft that it holds some (Execution.LogNodes), so
// any node can assemble the full log from the holders. Files older than
// the retention (31 days) are deleted by every node; the leader prunes the
// execution records themselves. A ring buffer in the replicated state was
// rejected: it would put every log line through consensus and snapshots.
//
// How the engine side plugs in (see executionstest.Engine for a working
// model): StateEngines reads engines, clusters and availability from the
// replicated tables; each engine session, on the
// node holding it, loops on state.WatchEngineExecutions(node.Read(), id):
// an execution in DISPATCHING_FLOW at an Attempt it has not seen is work
// to start (artifact by Execution.ArtifactDigest), one in
// STOPPING_FLOW_EXECUTION is to stop, and one that left the set ended
// here (timeout) and is to be killed. It reports through
// Service.ReportStatus(ctx, executionID, state.StatusUpdate{EngineID,
// Attempt, Status, ...}) and sends lines through Service.AppendLogs; both
// are safe to repeat. When a session opens, Service.Reconcile takes the
// engine's own account of the attempts it holds: a dispatched attempt it
// lacks (never reported started) goes back to the queue, and one it holds
// that ended here is to be stopped. Numbered log lines (LogLine.Attempt,
// Seq) are stored once per node however often they are resent.
//
// It must not talk to engines itself, nor hold engine state.
package executions
