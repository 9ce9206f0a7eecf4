package state

import (
	"strings"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
)

// Execution types (the real API's executionType).
const (
	ExecutionManual    = "MANUAL"
	ExecutionScheduled = "SCHEDULED"
	ExecutionWebhook   = "WEBHOOK"
	ExecutionPlan      = "PLAN"
)

// Queue cap: at most 50 executions of one task queued
// (Pending or Running) per 60 minutes.
const (
	DefaultQueueCap    = 50
	DefaultQueueWindow = 60 * time.Minute
)

// DefaultEngineConcurrency is how many executions one engine runs at once.
const DefaultEngineConcurrency = 3

// Execution is one run of a task: its record is written before the API
// answers and ends in exactly one final status.
type Execution struct {
	ID              string            `json:"executionId"`
	TaskID          string            `json:"jobId"`
	TaskVersion     int               `json:"jobVersion"`
	WorkspaceID     string            `json:"workspaceId"`
	EnvironmentID   string            `json:"environmentId"`
	ArtifactID      string            `json:"artifactId"`
	ArtifactVersion string            `json:"artifactVersion"`
	ArtifactDigest  string            `json:"artifactDigest"`
	Entrypoint      []string          `json:"entrypoint,omitempty"`
	Parameters      map[string]string `json:"parameters"`
	LogLevel        string            `json:"logLevel"`
	Timeout         time.Duration     `json:"timeoutNanos"`
	ParallelAllowed bool              `json:"parallelExecutionAllowed"`
	RunAsUser       string            `json:"remoteRunAsUser,omitempty"`
	RuntimeType     string            `json:"executionDestination"`
	RuntimeID       string            `json:"runtimeId"`
	RunProfileID    string            `json:"runProfileId,omitempty"`
	ExecutionType   string            `json:"executionType"`
	UserID          string            `json:"userId,omitempty"`

	ExecutionStatus string     `json:"executionStatus"`
	Active          bool       `json:"active"` // serialized: snapshots restore it
	EngineID        string     `json:"remoteEngineId,omitempty"`
	Attempt         int        `json:"attempt"`
	BusyRetries     int        `json:"busyRetries"`
	TriggerTime     time.Time  `json:"triggerTimestamp"`
	NextAttemptAt   *time.Time `json:"nextAttemptTimestamp,omitempty"`
	DispatchedAt    *time.Time `json:"dispatchTimestamp,omitempty"`
	StartedAt       *time.Time `json:"startTimestamp,omitempty"`
	StopRequestedAt *time.Time `json:"stopRequestTimestamp,omitempty"`
	FinishedAt      *time.Time `json:"finishTimestamp,omitempty"`
	ProcessedRows   int64      `json:"numberOfProcessedRows"`
	RejectedRows    int64      `json:"numberOfRejectedRows"`
	ErrorType       string     `json:"errorType,omitempty"`
	ErrorMessage    string     `json:"errorMessage,omitempty"`
	LogNodes        []string   `json:"logNodes,omitempty"` // control-plane nodes holding its logs
	// EngineReportedStatus is the final status the engine itself reported,
	// also when it came after the execution ended here (a timeout while
	// the engine was away): what it actually ran.
	EngineReportedStatus  string `json:"engineReportedStatus,omitempty"`
	EngineReportedMessage string `json:"engineReportedMessage,omitempty"`
}

func (e *Execution) setActive() { e.Active = !IsFinalStatus(e.ExecutionStatus) }

// onlyActive indexes unfinished executions only: finished ones, nearly all
// of them and kept for the whole retention, cost no entry (radix nodes are
// several hundred bytes each) in the dispatch indexes.
type onlyActive struct {
	inner interface {
		memdb.Indexer
		memdb.SingleIndexer
	}
}

func (o onlyActive) FromObject(obj any) (bool, []byte, error) {
	if !obj.(*Execution).Active {
		return false, nil, nil
	}
	return o.inner.FromObject(obj)
}

func (o onlyActive) FromArgs(args ...any) ([]byte, error) { return o.inner.FromArgs(args...) }

const (
	tableExecutions = "executions"

	CmdExecutionCreate  = "execution.create"
	CmdExecutionAssign  = "execution.assign"
	CmdExecutionReport  = "execution.report"
	CmdExecutionStop    = "execution.stop"
	CmdExecutionTimeout = "execution.timeout"
	CmdExecutionLogNode = "execution.log-node"
	CmdExecutionPrune   = "execution.prune"
	CmdExecutionLost    = "execution.lost"
)

func executionSpec() cluster.Spec {
	triggered := &cluster.TimeFieldIndex{Field: func(o any) time.Time { return o.(*Execution).TriggerTime }}
	return cluster.Spec{
		History: []cluster.HistoryTable{executionHistoryTable()},
		Tables: []cluster.Table{
			table(tableExecutions, func() any { return new(Execution) }, idIndex(),
				&memdb.IndexSchema{Name: "triggered", Indexer: triggered},
				stringIndex("task", "TaskID", false),
				&memdb.IndexSchema{Name: "active", AllowMissing: true, Indexer: onlyActive{&memdb.BoolFieldIndex{Field: "Active"}}},
				&memdb.IndexSchema{Name: "task_active", AllowMissing: true, Indexer: onlyActive{&memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "TaskID"}, &memdb.BoolFieldIndex{Field: "Active"}}}}},
				&memdb.IndexSchema{Name: "engine_active", AllowMissing: true, Indexer: onlyActive{&memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "EngineID"}, &memdb.BoolFieldIndex{Field: "Active"}}}}}),
		},
		Handlers: map[string]cluster.Handler{
			CmdExecutionCreate:  applyExecutionCreate,
			CmdExecutionAssign:  applyExecutionAssign,
			CmdExecutionReport:  applyExecutionReport,
			CmdExecutionStop:    applyExecutionStop,
			CmdExecutionTimeout: applyExecutionTimeout,
			CmdExecutionLogNode: applyExecutionLogNode,
			CmdExecutionPrune:   applyExecutionPrune,
			CmdExecutionLost:    applyExecutionLost,
		},
	}
}

// ExecutionByID reads an execution, unfinished or in history; nil if
// there is none. An error is a failed read of the history store.
func ExecutionByID(txn Reader, id string) (*Execution, error) {
	if e := first[Execution](txn, tableExecutions, "id", id); e != nil {
		return e, nil
	}
	return historyExecution(txn, id)
}

// ActiveExecutions lists every unfinished execution.
func ActiveExecutions(txn Reader) []*Execution {
	return all[Execution](txn, tableExecutions, "active", true)
}

// ActiveExecutionsOfTask lists a task's unfinished executions.
func ActiveExecutionsOfTask(txn Reader, taskID string) []*Execution {
	return all[Execution](txn, tableExecutions, "task_active", taskID, true)
}

// ActiveExecutionsOnEngine lists the unfinished executions assigned to an
// engine: what its session must run (or stop).
func ActiveExecutionsOnEngine(txn Reader, engineID string) []*Execution {
	return all[Execution](txn, tableExecutions, "engine_active", engineID, true)
}

// WatchEngineExecutions returns the engine's unfinished executions and a
// channel closed when that set or any of them changes (memdb watch), for
// the engine session's assignment stream.
func WatchEngineExecutions(txn Reader, engineID string) ([]*Execution, <-chan struct{}) {
	return watchAll[Execution](txn, tableExecutions, "engine_active", engineID, true)
}

// WatchActiveExecutions returns the unfinished executions and a channel
// closed when that set changes (for the dispatcher).
func WatchActiveExecutions(txn Reader) ([]*Execution, <-chan struct{}) {
	return watchAll[Execution](txn, tableExecutions, "active", true)
}

// WatchExecution returns an execution and a channel closed when it
// changes while unfinished (a finished one, in history, is final: its
// channel is memdb's for the missing ID, closed on nearby changes). An
// error is a failed read of the history store.
func WatchExecution(txn Reader, id string) (*Execution, <-chan struct{}, error) {
	ch, raw, err := txn.FirstWatch(tableExecutions, "id", id)
	if err != nil {
		panic(schemaMisuse(err))
	}
	if raw == nil {
		e, err := historyExecution(txn, id)
		return e, ch, err
	}
	return raw.(*Execution), ch, nil
}

// ExecutionFilter selects executions for the operations view. Zero fields
// match everything; results come newest first.
type ExecutionFilter struct {
	Status   string // executionStatus or short status
	TaskID   string
	EngineID string
	From, To time.Time
	Offset   int
	Limit    int
	// Visible, when set, leaves out executions of workspaces it refuses
	// (the caller's read rights), before paging.
	Visible func(workspaceID string) bool
}

func (f ExecutionFilter) matches(e *Execution) bool {
	switch {
	case f.Status != "" && f.Status != e.ExecutionStatus && !strings.EqualFold(f.Status, ShortStatus(e.ExecutionStatus)):
		return false
	case f.TaskID != "" && f.TaskID != e.TaskID, f.EngineID != "" && f.EngineID != e.EngineID:
		return false
	case !f.From.IsZero() && e.TriggerTime.Before(f.From), !f.To.IsZero() && !e.TriggerTime.Before(f.To):
		return false
	case f.Visible != nil && !f.Visible(e.WorkspaceID):
		return false
	}
	return true
}
