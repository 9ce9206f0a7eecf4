package state

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Message prefixes of refusals the API maps to their own status codes.
const (
	RefusalTaskPaused     = "Task paused: "
	RefusalQueueFull      = "Queue full: "
	RefusalNotConfigured  = "Task not configured: "
	RefusalEngineCapacity = "Engine at capacity: "
)

// HasRefusal reports whether err is a rejection whose message starts with
// one of the Refusal prefixes.
func HasRefusal(err error, prefix string) bool {
	rej, ok := cluster.AsRejection(err)
	return ok && strings.HasPrefix(rej.Message, prefix)
}

// ExecutionCreateRequest queues a run of a task. The proposer gives the ID,
// the limits in force and the length of a "minute" (one minute, except in
// tests that shorten time); the handler resolves everything else from the
// task so the record is self-contained.
type ExecutionCreateRequest struct {
	ID             string            `json:"id"`
	TaskID         string            `json:"taskId"`
	Parameters     map[string]string `json:"parameters,omitempty"`
	LogLevel       string            `json:"logLevel,omitempty"`
	TimeoutMinutes int               `json:"timeout,omitempty"`
	ExecutionType  string            `json:"executionType"`
	UserID         string            `json:"userId,omitempty"`
	Minute         time.Duration     `json:"minute"`
	QueueCap       int               `json:"queueCap"`
	QueueWindow    time.Duration     `json:"queueWindow"`
}

// ExecutionCreated is the answer of a queued run.
type ExecutionCreated struct {
	ExecutionID string `json:"executionId"`
}

func applyExecutionCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ExecutionCreateRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if e, err := ExecutionByID(tx.Reader, req.ID); err != nil {
		return nil, err
	} else if e != nil {
		return &ExecutionCreated{ExecutionID: req.ID}, nil // a retry: already queued
	}
	t := TaskByID(tx.Reader, req.TaskID)
	if t == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "task %s not found", req.TaskID)
	}
	if err := refuseServiceTask(tx.Reader, t, "executed"); err != nil {
		return nil, err
	}
	if t.Paused {
		return nil, cluster.Reject(cluster.CodePrecondition, "%stask %q is paused (%s); no execution is possible until it is resumed",
			RefusalTaskPaused, t.Name, orNoReason(t.PauseReason))
	}
	if t.RunConfig == nil {
		return nil, cluster.Reject(cluster.CodePrecondition, "%stask %q has no run config; set its engine with PUT /orchestration/executables/tasks/%s/run-config",
			RefusalNotConfigured, t.Name, t.ID)
	}
	e, err := newExecution(tx.Reader, t, req, cmd.Meta.Time)
	if err != nil {
		return nil, err
	}
	if err := checkQueueCap(tx.Reader, t, req, cmd.Meta.Time); err != nil {
		return nil, err
	}
	return &ExecutionCreated{ExecutionID: e.ID}, storeExecution(tx, nil, e)
}

func orNoReason(r string) string {
	if r == "" {
		return "no reason given"
	}
	return "reason: " + r
}

func newExecution(txn Reader, t *Task, req ExecutionCreateRequest, now time.Time) (*Execution, error) {
	rc := t.RunConfig
	minutes, level := rc.TimeoutMinutes, rc.LogLevel
	if req.TimeoutMinutes != 0 {
		minutes = req.TimeoutMinutes
	}
	if minutes < MinTaskTimeoutMinutes {
		return nil, cluster.Reject(cluster.CodeInvalid, "timeout must be at least %d minute, got %d", MinTaskTimeoutMinutes, minutes)
	}
	if req.LogLevel != "" {
		level = req.LogLevel
	}
	if !ValidLogLevel(level) {
		return nil, cluster.Reject(cluster.CodeInvalid, "logLevel must be one of %v, got %q", LogLevels(), level)
	}
	v := ArtifactVersionOf(txn, t.ArtifactID, t.ArtifactVersion)
	if v == nil {
		return nil, cluster.Reject(cluster.CodePrecondition, "%sthe artifact version of task %q no longer exists", RefusalNotConfigured, t.Name)
	}
	params := executionParams(v.Parameters, t.Parameters, req.Parameters)
	minute := req.Minute
	if minute <= 0 {
		minute = time.Minute
	}
	e := &Execution{ID: req.ID, TaskID: t.ID, TaskVersion: t.Version, WorkspaceID: t.WorkspaceID, EnvironmentID: t.EnvironmentID,
		ArtifactID: t.ArtifactID, ArtifactVersion: v.Version, ArtifactDigest: v.Digest, Entrypoint: v.Entrypoint,
		Parameters: params, LogLevel: level, Timeout: time.Duration(minutes) * minute, ParallelAllowed: rc.ParallelExecutionAllowed,
		RunAsUser: rc.RemoteRunAsUser, RuntimeType: rc.Runtime.Type, RuntimeID: rc.Runtime.ID, RunProfileID: rc.Runtime.RunProfileID,
		ExecutionType: intern(req.ExecutionType), UserID: intern(req.UserID), ExecutionStatus: ExecEventReceived, TriggerTime: now}
	e.LogLevel = intern(e.LogLevel)
	if e.ExecutionType == "" {
		e.ExecutionType = ExecutionManual
	}
	e.setActive()
	return e, nil
}

func checkQueueCap(txn Reader, t *Task, req ExecutionCreateRequest, now time.Time) error {
	limit, window := req.QueueCap, req.QueueWindow
	if limit <= 0 {
		limit = DefaultQueueCap
	}
	if window <= 0 {
		window = DefaultQueueWindow
	}
	since := now.Add(-window)
	n := 0
	for _, e := range ActiveExecutionsOfTask(txn, t.ID) {
		if !e.TriggerTime.Before(since) {
			n++
		}
	}
	if n >= limit {
		return cluster.Reject(cluster.CodePrecondition, "%stask %q already has %d executions queued (Pending or Running) in the last %s; at most %d are allowed",
			RefusalQueueFull, t.Name, n, window, limit)
	}
	return nil
}

// ExecutionAssignRequest places a queued execution on an engine. The
// handler re-checks what the dispatcher saw: the task not busy (else the
// busy-retry schedule applies) and the engine under its concurrency cap.
type ExecutionAssignRequest struct {
	ID          string          `json:"id"`
	EngineID    string          `json:"engineId"`
	EngineCap   int             `json:"engineCap"`
	RetryDelays []time.Duration `json:"retryDelays"`
}

// ExecutionChange is the short answer of state-machine commands.
type ExecutionChange struct {
	ExecutionID     string `json:"executionId"`
	ExecutionStatus string `json:"executionStatus"`
	Changed         bool   `json:"changed"`
}

func applyExecutionAssign(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ExecutionAssignRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur, err := ExecutionByID(tx.Reader, req.ID)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "execution %s not found", req.ID)
	}
	if cur.ExecutionStatus != ExecEventReceived || (cur.NextAttemptAt != nil && cmd.Meta.Time.Before(*cur.NextAttemptAt)) {
		return &ExecutionChange{ExecutionID: cur.ID, ExecutionStatus: cur.ExecutionStatus}, nil
	}
	ev := ExecutionEvent{Kind: EventAssign, At: cmd.Meta.Time, EngineID: req.EngineID, RetryDelays: req.RetryDelays}
	if !cur.ParallelAllowed && taskBusy(tx.Reader, cur) {
		ev.Kind = EventBusy
	} else if n := len(ActiveExecutionsOnEngine(tx.Reader, req.EngineID)); req.EngineCap > 0 && n >= req.EngineCap {
		return nil, cluster.Reject(cluster.CodePrecondition, "%sengine %s already runs %d executions", RefusalEngineCapacity, req.EngineID, n)
	}
	return applyEvent(tx, cur, ev)
}

// taskBusy reports whether another execution of e's task is on an engine.
func taskBusy(txn Reader, e *Execution) bool {
	for _, other := range ActiveExecutionsOfTask(txn, e.TaskID) {
		if other.ID != e.ID && other.ExecutionStatus != ExecEventReceived {
			return true
		}
	}
	return false
}

func applyEvent(tx *cluster.Tx, cur *Execution, ev ExecutionEvent) (any, error) {
	next, changed, err := NextExecution(*cur, ev)
	if err != nil {
		return nil, err
	}
	if changed {
		if err := storeExecution(tx, cur, &next); err != nil {
			return nil, err
		}
	}
	return &ExecutionChange{ExecutionID: next.ID, ExecutionStatus: next.ExecutionStatus, Changed: changed}, nil
}

// StatusUpdate is what an engine reports about an execution it was given.
type StatusUpdate struct {
	EngineID      string `json:"engineId"`
	Attempt       int    `json:"attempt"`
	Status        string `json:"status"` // STARTING_FLOW_EXECUTION, a final status, or BUSY
	Message       string `json:"message,omitempty"`
	ProcessedRows int64  `json:"processedRows,omitempty"`
	RejectedRows  int64  `json:"rejectedRows,omitempty"`
}

// ExecutionReportRequest records an engine's status update.
type ExecutionReportRequest struct {
	ID          string          `json:"id"`
	Update      StatusUpdate    `json:"update"`
	RetryDelays []time.Duration `json:"retryDelays"`
}

func applyExecutionReport(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ExecutionReportRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur, err := ExecutionByID(tx.Reader, req.ID)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "execution %s not found", req.ID)
	}
	u := req.Update
	return applyEvent(tx, cur, ExecutionEvent{Kind: EventReport, At: cmd.Meta.Time, EngineID: u.EngineID, Attempt: u.Attempt,
		Status: u.Status, Message: u.Message, ProcessedRows: u.ProcessedRows, RejectedRows: u.RejectedRows, RetryDelays: req.RetryDelays})
}

func applyExecutionStop(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur, err := ExecutionByID(tx.Reader, req.ID)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "execution %s not found", req.ID)
	}
	return applyEvent(tx, cur, ExecutionEvent{Kind: EventStop, At: cmd.Meta.Time})
}

// ExecutionTimeoutRequest ends an execution whose deadline passed; the
// handler re-checks the deadline against the command's time.
type ExecutionTimeoutRequest struct {
	ID        string        `json:"id"`
	StopGrace time.Duration `json:"stopGrace"`
}

func applyExecutionTimeout(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ExecutionTimeoutRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur, err := ExecutionByID(tx.Reader, req.ID)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "execution %s not found", req.ID)
	}
	deadline, ok := ExecutionDeadline(cur, req.StopGrace)
	if !ok || cmd.Meta.Time.Before(deadline) {
		return &ExecutionChange{ExecutionID: cur.ID, ExecutionStatus: cur.ExecutionStatus}, nil
	}
	msg := fmt.Sprintf("no engine of %s %s took the execution within its timeout of %s (none available, or all at capacity)",
		cur.RuntimeType, cur.RuntimeID, cur.Timeout)
	if cur.DispatchedAt != nil {
		msg = fmt.Sprintf("the execution did not finish within its timeout of %s on engine %s", cur.Timeout, cur.EngineID)
	}
	return applyEvent(tx, cur, ExecutionEvent{Kind: EventTimeout, At: cmd.Meta.Time, Message: msg})
}

// ExecutionLogNodeRequest records that a control-plane node holds logs of
// an execution (once per node and execution; the lines stay outside raft).
type ExecutionLogNodeRequest struct {
	ID     string `json:"id"`
	NodeID string `json:"nodeId"`
}

func applyExecutionLogNode(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ExecutionLogNodeRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur, err := ExecutionByID(tx.Reader, req.ID)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "execution %s not found", req.ID)
	}
	for _, n := range cur.LogNodes {
		if n == req.NodeID {
			return nil, nil
		}
	}
	next := *cur
	next.LogNodes = append(append([]string(nil), cur.LogNodes...), req.NodeID)
	sort.Strings(next.LogNodes)
	return nil, storeExecution(tx, cur, &next)
}

// ExecutionPruneRequest deletes finished executions triggered before
// Before, at most Max (retention).
type ExecutionPruneRequest struct {
	Before time.Time `json:"before"`
	Max    int       `json:"max"`
}

func applyExecutionPrune(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ExecutionPruneRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	h, err := tx.History()
	if err != nil {
		return nil, err
	}
	// Only finished executions are in history: oldest first, by trigger time.
	ids := []string{}
	err = h.Scan(historyExecutions, "triggered", cluster.HistoryRange{To: cluster.TimeKey(req.Before)}, func(e cluster.HistoryEntry) bool {
		if len(ids) >= req.Max {
			return false
		}
		ids = append(ids, string(e.Key))
		return true
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := h.Delete(historyExecutions, []byte(id)); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func sortExecutionsNewestFirst(es []*Execution) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].TriggerTime.After(es[j].TriggerTime) })
}
