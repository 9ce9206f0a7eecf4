package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Execution statuses, verbatim from the real API (executionStatus).
const (
	ExecEventReceived     = "EXECUTION_EVENT_RECEIVED"
	ExecDispatching       = "DISPATCHING_FLOW"
	ExecStarting          = "STARTING_FLOW_EXECUTION"
	ExecStopping          = "STOPPING_FLOW_EXECUTION"
	ExecSuccess           = "EXECUTION_SUCCESS"
	ExecFailed            = "EXECUTION_FAILED"
	ExecRejected          = "EXECUTION_REJECTED"
	ExecDeployFailed      = "DEPLOY_FAILED"
	ExecTerminated        = "EXECUTION_TERMINATED"
	ExecTerminatedTimeout = "EXECUTION_TERMINATED_TIMEOUT"
)

// ExecBusy is what an engine reports when another instance of the same
// task already runs there and parallel runs are not allowed. It is not a
// status: the execution goes back to the queue for its next retry.
const ExecBusy = "BUSY"

// BusyExhaustedMessage is Talend's exact error after the last retry.
const BusyExhaustedMessage = "Exceeded the limit of deployment attempts: another instance of the same task was running on the engine at same time . Try to run the task later."

// DefaultBusyRetryDelays is Talend's retry schedule: 1, 2, 4, 8 minutes.
func DefaultBusyRetryDelays() []time.Duration {
	return []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
}

// IsFinalStatus reports whether an execution status is an end state.
func IsFinalStatus(s string) bool {
	switch s {
	case ExecSuccess, ExecFailed, ExecRejected, ExecDeployFailed, ExecTerminated, ExecTerminatedTimeout:
		return true
	}
	return false
}

// ShortStatus maps executionStatus to the real API's short "status".
func ShortStatus(s string) string {
	switch s {
	case ExecEventReceived, ExecDispatching:
		return "dispatching"
	case ExecStarting, ExecStopping:
		return "executing"
	case ExecSuccess:
		return "execution_successful"
	case ExecFailed:
		return "execution_failed"
	case ExecRejected:
		return "execution_rejected"
	case ExecDeployFailed:
		return "deploy_failed"
	}
	return "terminated"
}

// Event kinds of the execution state machine.
const (
	EventAssign  = "assign"  // the dispatcher placed it on an engine
	EventBusy    = "busy"    // the task is busy: retry later or give up
	EventReport  = "report"  // the engine reported a status
	EventStop    = "stop"    // a user asked to stop it
	EventTimeout = "timeout" // its deadline passed
	EventLost    = "lost"    // the engine says it does not hold the assignment
)

// ExecutionEvent is one input of NextExecution.
type ExecutionEvent struct {
	Kind     string
	At       time.Time
	EngineID string
	// Attempt is the assignment an engine report refers to; reports of an
	// earlier assignment are stale and change nothing.
	Attempt int
	// Status, Message and row counts of an engine report.
	Status        string
	Message       string
	ProcessedRows int64
	RejectedRows  int64
	// RetryDelays is the busy-retry schedule (EventBusy).
	RetryDelays []time.Duration
}

// NextExecution is the execution state machine: it returns the execution
// after ev, and whether anything changed. It is pure. Reports about an
// earlier assignment, a repeated report and any event on a finished
// execution change nothing (duplicates are harmless); a stop of a finished
// execution is refused.
func NextExecution(cur Execution, ev ExecutionEvent) (Execution, bool, error) {
	next := cur
	if IsFinalStatus(cur.ExecutionStatus) {
		if ev.Kind == EventStop {
			return cur, false, cluster.Reject(cluster.CodePrecondition, "execution %s already ended with %s", cur.ID, cur.ExecutionStatus)
		}
		return lateReport(cur, ev)
	}
	switch ev.Kind {
	case EventAssign:
		if cur.ExecutionStatus != ExecEventReceived {
			return cur, false, cluster.Reject(cluster.CodePrecondition, "execution %s is %s, not waiting for an engine", cur.ID, cur.ExecutionStatus)
		}
		next.ExecutionStatus, next.EngineID, next.Attempt = ExecDispatching, ev.EngineID, cur.Attempt+1
		at := ev.At
		next.DispatchedAt, next.NextAttemptAt = &at, nil
	case EventBusy:
		if cur.ExecutionStatus != ExecEventReceived && cur.ExecutionStatus != ExecDispatching {
			return cur, false, nil
		}
		return busy(next, ev), true, nil
	case EventReport:
		return report(cur, ev)
	case EventStop:
		switch cur.ExecutionStatus {
		case ExecEventReceived:
			return finish(next, ExecTerminated, "stopped before it was dispatched", ev.At), true, nil
		case ExecStopping:
			return cur, false, nil
		}
		at := ev.At
		next.ExecutionStatus, next.StopRequestedAt = ExecStopping, &at
	case EventLost:
		// Only an assignment never reported started goes back: one the
		// engine started may still run somewhere.
		if cur.ExecutionStatus != ExecDispatching || ev.EngineID != cur.EngineID || ev.Attempt != cur.Attempt {
			return cur, false, nil
		}
		next.ExecutionStatus, next.EngineID, next.DispatchedAt, next.NextAttemptAt = ExecEventReceived, "", nil, nil
	case EventTimeout:
		if cur.ExecutionStatus == ExecStopping {
			return finish(next, ExecTerminated, "stopped; the engine did not confirm in time", ev.At), true, nil
		}
		return finish(next, ExecTerminatedTimeout, ev.Message, ev.At), true, nil
	default:
		return cur, false, cluster.Reject(cluster.CodeInvalid, "unknown execution event %q", ev.Kind)
	}
	next.setActive()
	return next, true, nil
}

func report(cur Execution, ev ExecutionEvent) (Execution, bool, error) {
	if cur.ExecutionStatus == ExecEventReceived || ev.EngineID != cur.EngineID || ev.Attempt != cur.Attempt {
		return cur, false, nil // about an assignment that is no longer current
	}
	next := cur
	switch {
	case ev.Status == ExecBusy:
		if cur.ExecutionStatus != ExecDispatching {
			return cur, false, nil
		}
		return busy(next, ev), true, nil
	case ev.Status == ExecStarting:
		if cur.ExecutionStatus != ExecDispatching {
			return cur, false, nil
		}
		at := ev.At
		next.ExecutionStatus, next.StartedAt = ExecStarting, &at
		return next, true, nil
	case IsFinalStatus(ev.Status):
		next.ProcessedRows, next.RejectedRows = ev.ProcessedRows, ev.RejectedRows
		next.EngineReportedStatus, next.EngineReportedMessage = ev.Status, ev.Message
		if next.StartedAt == nil {
			at := ev.At
			next.StartedAt = &at
		}
		return finish(next, ev.Status, ev.Message, ev.At), true, nil
	}
	return cur, false, cluster.Reject(cluster.CodeInvalid, "an engine cannot report status %q", ev.Status)
}

// lateReport keeps what the engine says it ran when its final report
// comes after the execution was already ended here (timed out while the
// engine was away, say): the status stays, the engine's word is recorded
// once.
func lateReport(cur Execution, ev ExecutionEvent) (Execution, bool, error) {
	if ev.Kind != EventReport || !IsFinalStatus(ev.Status) || cur.EngineReportedStatus != "" ||
		ev.EngineID != cur.EngineID || ev.Attempt != cur.Attempt || cur.EngineID == "" {
		return cur, false, nil
	}
	next := cur
	next.EngineReportedStatus, next.EngineReportedMessage = ev.Status, ev.Message
	return next, true, nil
}

func busy(next Execution, ev ExecutionEvent) Execution {
	next.BusyRetries++
	if next.BusyRetries > len(ev.RetryDelays) {
		return finish(next, ExecFailed, BusyExhaustedMessage, ev.At)
	}
	retry := ev.At.Add(ev.RetryDelays[next.BusyRetries-1])
	next.ExecutionStatus, next.EngineID, next.NextAttemptAt, next.DispatchedAt = ExecEventReceived, "", &retry, nil
	next.setActive()
	return next
}

func finish(next Execution, status, msg string, at time.Time) Execution {
	next.ExecutionStatus, next.ErrorMessage, next.FinishedAt, next.NextAttemptAt = status, msg, &at, nil
	if status != ExecSuccess && msg != "" {
		next.ErrorType = status
	}
	next.setActive()
	return next
}

// ExecutionDeadline is when an unfinished execution times out, if it can:
// a dispatched one after its timeout from dispatch, a stopping one after
// stopGrace from the stop request, a queued one that no engine took after
// its timeout from the trigger. One waiting for a busy retry has none:
// the retry schedule ends it.
func ExecutionDeadline(e *Execution, stopGrace time.Duration) (time.Time, bool) {
	switch {
	case IsFinalStatus(e.ExecutionStatus):
		return time.Time{}, false
	case e.ExecutionStatus == ExecStopping && e.StopRequestedAt != nil:
		stop := e.StopRequestedAt.Add(stopGrace)
		if e.DispatchedAt != nil && e.DispatchedAt.Add(e.Timeout).Before(stop) {
			return e.DispatchedAt.Add(e.Timeout), true
		}
		return stop, true
	case e.DispatchedAt != nil:
		return e.DispatchedAt.Add(e.Timeout), true
	case e.NextAttemptAt != nil:
		return time.Time{}, false
	}
	return e.TriggerTime.Add(e.Timeout), true
}
