// Package jobs runs the executions (jobs) the control plane assigns to
// this engine: it takes StartExecution and StopExecution, runs each
// attempt once in the runtime, reports its statuses until acknowledged,
// ships its log lines (numbered, resent until acknowledged) and keeps a
// ledger on disk so a restarted agent reports what its predecessor ran
// and tells the control plane which attempts it holds.
//
// It may import agent/link (to send on the current session),
// agent/artifacts, runtime, plugins and protocol. It must not know about
// deployments or the session loop, and never import controlplane or
// cluster code.
package jobs
