package state

import (
	"fmt"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
)

// Plan execution and step statuses.
const (
	PlanRunning   = "RUNNING"
	PlanSucceeded = "SUCCEEDED"
	PlanFailed    = "FAILED"
	PlanStopped   = "STOPPED"

	StepPending   = "PENDING"
	StepRunning   = "RUNNING"
	StepSucceeded = "SUCCEEDED"
	StepFailed    = "FAILED"
	StepSkipped   = "SKIPPED" // before the first step of a rerun
	StepNotRun    = "NOT_RUN" // after a failed or stopped step
	StepStopped   = "STOPPED"
)

// PlanExecution is one run of a plan. It copies the plan's steps when it
// starts, so editing the plan never changes a run under way.
type PlanExecution struct {
	ID            string            `json:"executionId"`
	PlanID        string            `json:"planId"`
	PlanName      string            `json:"planName"`
	WorkspaceID   string            `json:"workspaceId"`
	Status        string            `json:"status"`
	Active        bool              `json:"active"`
	ExecutionType string            `json:"executionType"`
	UserID        string            `json:"userId,omitempty"`
	Parameters    map[string]string `json:"parameters,omitempty"` // given to the tasks of its first step
	Steps         []StepRun         `json:"steps"`
	CurrentStep   int               `json:"currentStep"` // 0-based
	RerunOf       string            `json:"rerunOf,omitempty"`
	Limits        RunLimits         `json:"limits"`
	// TimeoutMinutes is a trigger timeout overriding the timeouts of the
	// run's tasks (0: each task's own).
	TimeoutMinutes int        `json:"timeoutMinutes,omitempty"`
	TriggerTime    time.Time  `json:"triggerTimestamp"`
	FinishedAt     *time.Time `json:"finishTimestamp,omitempty"`
}

// StepRun is one step of a plan execution.
type StepRun struct {
	Name       string    `json:"name"`
	Condition  string    `json:"condition"`
	Status     string    `json:"status"`
	Tasks      []TaskRun `json:"tasks"`
	Handlers   []TaskRun `json:"handlers,omitempty"`
	HandlerIDs []string  `json:"handlerTaskIds,omitempty"`
	// HandlerPlans are the failure handlers that are plans, each run as a
	// plan execution of its own.
	HandlerPlans   []PlanRun  `json:"handlerPlans,omitempty"`
	HandlerPlanIDs []string   `json:"handlerPlanIds,omitempty"`
	StartedAt      *time.Time `json:"startTimestamp,omitempty"`
	FinishedAt     *time.Time `json:"finishTimestamp,omitempty"`
}

// TaskRun is one task of a step: its execution and last known status.
type TaskRun struct {
	TaskID      string `json:"taskId"`
	ExecutionID string `json:"executionId,omitempty"`
	Status      string `json:"executionStatus,omitempty"` // the execution's, or EXECUTION_REJECTED when refused
	Message     string `json:"message,omitempty"`
	Carried     bool   `json:"carried,omitempty"` // succeeded in the run this one reruns
}

// PlanRun is one handler plan of a failed step: its plan execution and
// that execution's status (EXECUTION_REJECTED when it could not start).
type PlanRun struct {
	PlanID      string `json:"planId"`
	ExecutionID string `json:"executionId,omitempty"`
	Status      string `json:"status,omitempty"`
	Message     string `json:"message,omitempty"`
}

func (r PlanRun) final() bool { return r.Status != "" && r.Status != PlanRunning }

func (r TaskRun) final() bool     { return r.Carried || IsFinalStatus(r.Status) }
func (r TaskRun) succeeded() bool { return r.Carried || r.Status == ExecSuccess }

const (
	tablePlanExecutions = "plan_executions"

	CmdPlanExecutionStart   = "plan-execution.start"
	CmdPlanExecutionAdvance = "plan-execution.advance"
	CmdPlanExecutionStop    = "plan-execution.stop"
	CmdPlanExecutionRerun   = "plan-execution.rerun"
)

func planExecutionSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tablePlanExecutions, func() any { return new(PlanExecution) }, idIndex(),
				&memdb.IndexSchema{Name: "active", Indexer: &memdb.BoolFieldIndex{Field: "Active"}},
				&memdb.IndexSchema{Name: "plan_active", Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "PlanID"}, &memdb.BoolFieldIndex{Field: "Active"}}}},
				stringIndex("plan", "PlanID", false)),
		},
		Handlers: map[string]cluster.Handler{
			CmdPlanExecutionStart:   applyPlanExecutionStart,
			CmdPlanExecutionAdvance: applyPlanExecutionAdvance,
			CmdPlanExecutionStop:    applyPlanExecutionStop,
			CmdPlanExecutionRerun:   applyPlanExecutionRerun,
		},
	}
}

// PlanExecutionByID reads a plan execution.
func PlanExecutionByID(txn Reader, id string) *PlanExecution {
	return first[PlanExecution](txn, tablePlanExecutions, "id", id)
}

// ActivePlanExecutions lists a plan's unfinished executions.
func ActivePlanExecutions(txn Reader, planID string) []*PlanExecution {
	return all[PlanExecution](txn, tablePlanExecutions, "plan_active", planID, true)
}

// PlanExecutionsOf lists a plan's executions (ID order).
func PlanExecutionsOf(txn Reader, planID string) []*PlanExecution {
	return all[PlanExecution](txn, tablePlanExecutions, "plan", planID)
}

// WatchActivePlanExecutions returns the unfinished plan executions and a
// channel closed when that set changes (the plan runner's wake-up).
func WatchActivePlanExecutions(txn Reader) ([]*PlanExecution, <-chan struct{}) {
	return watchAll[PlanExecution](txn, tablePlanExecutions, "active", true)
}

// PlanExecutionStartRequest starts a plan (POST /processing/executions/plans).
type PlanExecutionStartRequest struct {
	ID         string            `json:"id"`
	PlanID     string            `json:"planId"`
	Parameters map[string]string `json:"parameters,omitempty"`
	Limits     RunLimits         `json:"limits"`
}

// PlanExecutionStarted answers a start or rerun.
type PlanExecutionStarted struct {
	ExecutionID string `json:"executionId"`
}

func applyPlanExecutionStart(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req PlanExecutionStartRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if PlanExecutionByID(tx.Reader, req.ID) != nil {
		return &PlanExecutionStarted{ExecutionID: req.ID}, nil // a retry
	}
	id, err := startPlanExecution(tx, OwnerRun{Kind: OwnerPlan, OwnerID: req.PlanID, ExecutionID: req.ID, ExecutionType: ExecutionManual,
		Parameters: req.Parameters, Limits: req.Limits, UserID: cmd.Meta.ActorID}, cmd.Meta.Time)
	if err != nil {
		return nil, err
	}
	return &PlanExecutionStarted{ExecutionID: id}, nil
}

func startPlanExecution(tx *cluster.Tx, run OwnerRun, now time.Time) (string, error) {
	p := PlanByID(tx.Reader, run.OwnerID)
	if p == nil {
		return "", cluster.Reject(cluster.CodeNotFound, "plan %s not found", run.OwnerID)
	}
	if p.Paused {
		return "", cluster.Reject(cluster.CodePrecondition, "%splan %q is paused (%s); no execution is possible until it is resumed",
			RefusalTaskPaused, p.Name, orNoReason(p.PauseReason))
	}
	active := ActivePlanExecutions(tx.Reader, p.ID)
	if len(active) > 0 && !p.ParallelRunAllowed {
		return "", cluster.Reject(cluster.CodeConflict, "plan %q is already running and parallel runs of it are not allowed", p.Name)
	}
	if err := checkPlanQueue(p, active, run.Limits, now); err != nil {
		return "", err
	}
	pe := &PlanExecution{ID: run.ExecutionID, PlanID: p.ID, PlanName: p.Name, WorkspaceID: p.WorkspaceID, Status: PlanRunning, Active: true,
		ExecutionType: run.ExecutionType, UserID: run.UserID, Parameters: run.Parameters, Limits: run.Limits,
		TimeoutMinutes: run.TimeoutMinutes, TriggerTime: now}
	for _, s := range p.Steps {
		sr := StepRun{Name: s.Name, Condition: s.Condition, Status: StepPending, HandlerIDs: s.OnFailure.TaskIDs, HandlerPlanIDs: s.OnFailure.PlanIDs}
		for _, id := range s.TaskIDs {
			sr.Tasks = append(sr.Tasks, TaskRun{TaskID: id})
		}
		pe.Steps = append(pe.Steps, sr)
	}
	startStep(tx, pe, 0, now)
	if err := advancePlan(tx, pe, now); err != nil {
		return "", err
	}
	return pe.ID, tx.Insert(tablePlanExecutions, pe)
}

func checkPlanQueue(p *Plan, active []*PlanExecution, l RunLimits, now time.Time) error {
	limit, window := l.QueueCap, l.QueueWindow
	if limit <= 0 {
		limit = DefaultQueueCap
	}
	if window <= 0 {
		window = DefaultQueueWindow
	}
	n := 0
	for _, e := range active {
		if now.Sub(e.TriggerTime) < window {
			n++
		}
	}
	if n >= limit {
		return cluster.Reject(cluster.CodePrecondition, "%splan %q already has %d executions running in the last %s; at most %d are allowed",
			RefusalQueueFull, p.Name, n, window, limit)
	}
	return nil
}

// startStep creates the executions of a step's tasks that have none yet
// (carried tasks of a rerun keep their success). A refused task (paused,
// queue full) counts as a failed one: "a paused task can fail the plan".
func startStep(tx *cluster.Tx, pe *PlanExecution, idx int, now time.Time) {
	pe.CurrentStep = idx
	s := &pe.Steps[idx]
	s.Status, s.StartedAt = StepRunning, &now
	s.Tasks = startTaskRuns(tx, pe, fmt.Sprintf("step-%d", idx), s.Tasks, idx == firstRunStep(pe), now)
}

func firstRunStep(pe *PlanExecution) int {
	for i, s := range pe.Steps {
		if s.Status != StepSkipped {
			return i
		}
	}
	return 0
}

func startTaskRuns(tx *cluster.Tx, pe *PlanExecution, tag string, runs []TaskRun, withParams bool, now time.Time) []TaskRun {
	out := append([]TaskRun(nil), runs...)
	for i := range out {
		r := &out[i]
		if r.Carried || r.ExecutionID != "" {
			continue
		}
		var params map[string]string
		if withParams {
			params = pe.Parameters
		}
		id := DerivedID(pe.ID, tag, fmt.Sprint(i), r.TaskID)
		_, err := createTaskExecution(tx, ExecutionCreateRequest{ID: id, TaskID: r.TaskID, Parameters: params, ExecutionType: ExecutionPlan,
			TimeoutMinutes: pe.TimeoutMinutes, UserID: pe.UserID, Minute: pe.Limits.Minute, QueueCap: pe.Limits.QueueCap, QueueWindow: pe.Limits.QueueWindow}, now)
		if err != nil {
			r.Status, r.Message = ExecRejected, err.Error()
			continue
		}
		r.ExecutionID, r.Status = id, ExecEventReceived
	}
	return out
}

// startHandlerPlans starts the handler plans of the current (failed)
// step, each as a plan execution with a derived ID; a refused one (paused,
// already running, queue full) counts as finished.
func startHandlerPlans(tx *cluster.Tx, pe *PlanExecution, now time.Time) ([]PlanRun, error) {
	s := pe.Steps[pe.CurrentStep]
	var out []PlanRun
	for i, planID := range s.HandlerPlanIDs {
		id := DerivedID(pe.ID, fmt.Sprintf("handler-plans-%d", pe.CurrentStep), fmt.Sprint(i), planID)
		r := PlanRun{PlanID: planID}
		_, err := startPlanExecution(tx, OwnerRun{Kind: OwnerPlan, OwnerID: planID, ExecutionID: id, ExecutionType: ExecutionPlan,
			TimeoutMinutes: pe.TimeoutMinutes, Limits: pe.Limits, UserID: pe.UserID}, now)
		if rej, ok := cluster.AsRejection(err); ok {
			r.Status, r.Message = ExecRejected, rej.Message
		} else if err != nil {
			return nil, fmt.Errorf("start handler plan %s: %w", planID, err)
		} else {
			r.ExecutionID, r.Status = id, PlanRunning
		}
		out = append(out, r)
	}
	return out, nil
}

// refreshPlans copies the current status of each handler plan execution.
func refreshPlans(txn Reader, runs []PlanRun) []PlanRun {
	out := append([]PlanRun(nil), runs...)
	for i := range out {
		if out[i].ExecutionID == "" {
			continue
		}
		if e := PlanExecutionByID(txn, out[i].ExecutionID); e != nil {
			out[i].Status = e.Status
		}
	}
	return out
}

func allPlansFinal(runs []PlanRun) bool {
	for _, r := range runs {
		if !r.final() {
			return false
		}
	}
	return true
}

// refresh copies the current status of each run's execution.
func refresh(txn Reader, runs []TaskRun) ([]TaskRun, error) {
	out := append([]TaskRun(nil), runs...)
	for i := range out {
		if out[i].ExecutionID == "" || out[i].Carried {
			continue
		}
		e, err := ExecutionByID(txn, out[i].ExecutionID)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out[i].Status, out[i].Message = e.ExecutionStatus, e.ErrorMessage
		}
	}
	return out, nil
}

// refreshStep copies the current status of the executions and handler
// plans of a step.
func refreshStep(txn Reader, s *StepRun) error {
	tasks, err := refresh(txn, s.Tasks)
	if err != nil {
		return err
	}
	handlers, err := refresh(txn, s.Handlers)
	if err != nil {
		return err
	}
	s.Tasks, s.Handlers, s.HandlerPlans = tasks, handlers, refreshPlans(txn, s.HandlerPlans)
	return nil
}

func allFinal(runs []TaskRun) bool {
	for _, r := range runs {
		if !r.final() {
			return false
		}
	}
	return true
}

func conditionMet(s StepRun) bool {
	ok := 0
	for _, r := range s.Tasks {
		if r.succeeded() {
			ok++
		}
	}
	if s.Condition == ConditionAtLeastOneSucceeded {
		return ok > 0
	}
	return ok == len(s.Tasks)
}

// advancePlan moves a running plan execution as far as the statuses of
// its executions allow: next step, failure handlers, or its end. It is
// deterministic (the state and now only), so every replica agrees.
func advancePlan(tx *cluster.Tx, pe *PlanExecution, now time.Time) error {
	for pe.Active {
		s := &pe.Steps[pe.CurrentStep]
		if err := refreshStep(tx.Reader, s); err != nil {
			return err
		}
		switch {
		case s.Status == StepRunning && !allFinal(s.Tasks):
			return nil
		case s.Status == StepRunning && conditionMet(*s):
			s.Status, s.FinishedAt = StepSucceeded, &now
			if pe.CurrentStep+1 < len(pe.Steps) {
				startStep(tx, pe, pe.CurrentStep+1, now)
				continue
			}
			finishPlan(pe, PlanSucceeded, now)
		case s.Status == StepRunning:
			s.Status, s.FinishedAt = StepFailed, &now
			for _, id := range s.HandlerIDs {
				s.Handlers = append(s.Handlers, TaskRun{TaskID: id})
			}
			s.Handlers = startTaskRuns(tx, pe, fmt.Sprintf("handlers-%d", pe.CurrentStep), s.Handlers, false, now)
			plans, err := startHandlerPlans(tx, pe, now)
			if err != nil {
				return err
			}
			s.HandlerPlans = plans
		case s.Status == StepFailed && allFinal(s.Handlers) && allPlansFinal(s.HandlerPlans):
			finishPlan(pe, PlanFailed, now)
		default:
			return nil
		}
	}
	return nil
}

func finishPlan(pe *PlanExecution, status string, now time.Time) {
	pe.Status, pe.Active, pe.FinishedAt = status, false, &now
	for i := range pe.Steps {
		if pe.Steps[i].Status == StepPending {
			pe.Steps[i].Status = StepNotRun
		}
	}
}

func applyPlanExecutionAdvance(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := PlanExecutionByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "plan execution %s not found", req.ID)
	}
	if !cur.Active {
		return cur, nil
	}
	next := copyPlanExecution(cur)
	if err := advancePlan(tx, next, cmd.Meta.Time); err != nil {
		return nil, err
	}
	return next, tx.Insert(tablePlanExecutions, next)
}

func copyPlanExecution(cur *PlanExecution) *PlanExecution {
	next := *cur
	next.Steps = make([]StepRun, len(cur.Steps))
	for i, s := range cur.Steps {
		s.Tasks = append([]TaskRun(nil), s.Tasks...)
		s.Handlers = append([]TaskRun(nil), s.Handlers...)
		s.HandlerPlans = append([]PlanRun(nil), s.HandlerPlans...)
		next.Steps[i] = s
	}
	return &next
}

// PlanNeedsAdvance reports whether the runner should propose an advance:
// an execution of the current step ended since the run was last written.
func PlanNeedsAdvance(txn Reader, pe *PlanExecution) (bool, error) {
	if !pe.Active {
		return false, nil
	}
	s := pe.Steps[pe.CurrentStep]
	for _, runs := range [][]TaskRun{s.Tasks, s.Handlers} {
		for _, r := range runs {
			if r.ExecutionID == "" || r.Carried {
				continue
			}
			e, err := ExecutionByID(txn, r.ExecutionID)
			if err != nil {
				return false, err
			}
			if e != nil && e.ExecutionStatus != r.Status && IsFinalStatus(e.ExecutionStatus) {
				return true, nil
			}
		}
	}
	for _, r := range s.HandlerPlans {
		if e := PlanExecutionByID(txn, r.ExecutionID); e != nil && !e.Active && e.Status != r.Status {
			return true, nil
		}
	}
	return false, nil
}

func applyPlanExecutionStop(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := PlanExecutionByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "plan execution %s not found", req.ID)
	}
	if !cur.Active {
		return cur, nil
	}
	return stopPlanExecution(tx, cur, cmd.Meta.Time)
}

// stopPlanExecution stops the current step's executions, the handler
// plans' runs with them, and ends the run as stopped.
func stopPlanExecution(tx *cluster.Tx, cur *PlanExecution, now time.Time) (*PlanExecution, error) {
	next := copyPlanExecution(cur)
	s := &next.Steps[next.CurrentStep]
	for _, r := range append(append([]TaskRun(nil), s.Tasks...), s.Handlers...) {
		e, err := ExecutionByID(tx.Reader, r.ExecutionID)
		if err != nil {
			return nil, err
		}
		if e != nil && e.Active {
			if _, err := applyEvent(tx, e, ExecutionEvent{Kind: EventStop, At: now}); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range s.HandlerPlans {
		if child := PlanExecutionByID(tx.Reader, r.ExecutionID); child != nil && child.Active {
			if _, err := stopPlanExecution(tx, child, now); err != nil {
				return nil, err
			}
		}
	}
	if err := refreshStep(tx.Reader, s); err != nil {
		return nil, err
	}
	if s.Status == StepRunning {
		s.Status, s.FinishedAt = StepStopped, &now
	}
	finishPlan(next, PlanStopped, now)
	return next, tx.Insert(tablePlanExecutions, next)
}

// PlanRerunRequest reruns a failed or stopped plan execution from a step
// (1-based), with all its tasks or only those that did not succeed.
type PlanRerunRequest struct {
	ID         string    `json:"id"`
	SourceID   string    `json:"sourceId"`
	FromStep   int       `json:"fromStep"`
	OnlyFailed bool      `json:"onlyFailed"`
	Limits     RunLimits `json:"limits"`
}

func applyPlanExecutionRerun(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req PlanRerunRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if PlanExecutionByID(tx.Reader, req.ID) != nil {
		return &PlanExecutionStarted{ExecutionID: req.ID}, nil
	}
	src := PlanExecutionByID(tx.Reader, req.SourceID)
	if src == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "plan execution %s not found", req.SourceID)
	}
	if src.Status != PlanFailed && src.Status != PlanStopped {
		return nil, cluster.Reject(cluster.CodeConflict, "plan execution %s is %s; only a failed or stopped run can be rerun", src.ID, src.Status)
	}
	if req.FromStep < 1 || req.FromStep > len(src.Steps) {
		return nil, cluster.Reject(cluster.CodeInvalid, "fromStep must be a step number from 1 to %d, got %d", len(src.Steps), req.FromStep)
	}
	p := PlanByID(tx.Reader, src.PlanID)
	if p == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "plan %s not found", src.PlanID)
	}
	if p.Paused {
		return nil, cluster.Reject(cluster.CodePrecondition, "%splan %q is paused", RefusalTaskPaused, p.Name)
	}
	active := ActivePlanExecutions(tx.Reader, p.ID)
	if len(active) > 0 && !p.ParallelRunAllowed {
		return nil, cluster.Reject(cluster.CodeConflict, "plan %q is already running and parallel runs of it are not allowed", p.Name)
	}
	now := cmd.Meta.Time
	if err := checkPlanQueue(p, active, req.Limits, now); err != nil {
		return nil, err
	}
	pe := &PlanExecution{ID: req.ID, PlanID: p.ID, PlanName: p.Name, WorkspaceID: p.WorkspaceID, Status: PlanRunning, Active: true,
		ExecutionType: ExecutionManual, UserID: cmd.Meta.ActorID, Parameters: src.Parameters, RerunOf: src.ID, Limits: req.Limits, TriggerTime: now}
	from := req.FromStep - 1
	for i, s := range src.Steps {
		sr := StepRun{Name: s.Name, Condition: s.Condition, Status: StepPending, HandlerIDs: s.HandlerIDs, HandlerPlanIDs: s.HandlerPlanIDs}
		if i < from {
			sr.Status = StepSkipped
		}
		for _, r := range s.Tasks {
			tr := TaskRun{TaskID: r.TaskID}
			if i == from && req.OnlyFailed && r.succeeded() {
				tr = TaskRun{TaskID: r.TaskID, ExecutionID: r.ExecutionID, Status: ExecSuccess, Carried: true}
			}
			sr.Tasks = append(sr.Tasks, tr)
		}
		pe.Steps = append(pe.Steps, sr)
	}
	startStep(tx, pe, from, now)
	if err := advancePlan(tx, pe, now); err != nil {
		return nil, err
	}
	return &PlanExecutionStarted{ExecutionID: pe.ID}, tx.Insert(tablePlanExecutions, pe)
}
