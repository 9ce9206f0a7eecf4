package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/schedule"
)

// Step conditions: when a step counts as succeeded.
const (
	ConditionAllSucceeded        = "ALL_SUCCEEDED"
	ConditionAtLeastOneSucceeded = "AT_LEAST_ONE_SUCCEEDED"
)

// Plan limits (ours; Talend names none).
const (
	MaxPlanSteps        = 50
	MaxTasksPerPlanStep = 50
)

// Plan runs tasks in steps: steps in sequence, the tasks of a step in
// parallel, failure handlers when a step fails.
type Plan struct {
	ID                 string     `json:"id"`
	Name               string     `json:"name"`
	Description        string     `json:"description,omitempty"`
	EnvironmentID      string     `json:"environmentId"`
	WorkspaceID        string     `json:"workspaceId"`
	Steps              []PlanStep `json:"steps"`
	ParallelRunAllowed bool       `json:"parallelRunAllowed"`
	Pause
	Version   int       `json:"version"`
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// PlanStep is one step of a plan.
type PlanStep struct {
	Name      string       `json:"name"`
	Condition string       `json:"condition"`
	TaskIDs   []string     `json:"taskIds"`
	OnFailure PlanHandlers `json:"onFailure"`
}

// PlanHandlers are the tasks and plans run in parallel when a step fails
// ("failure handlers (tasks or plans, run in parallel)").
type PlanHandlers struct {
	TaskIDs []string `json:"taskIds"`
	PlanIDs []string `json:"planIds,omitempty"`
}

const (
	tablePlans = "plans"

	CmdPlanCreate = "plan.create"
	CmdPlanDelete = "plan.delete"
	CmdPlanPause  = "plan.pause"
	CmdPlanResume = "plan.resume"
)

func planSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tablePlans, func() any { return new(Plan) }, idIndex(),
				stringIndex("workspace", "WorkspaceID", false),
				compoundIndex("workspace_name", true, "WorkspaceID", "Name")),
		},
		Handlers: map[string]cluster.Handler{
			CmdPlanCreate: applyPlanCreate,
			CmdPlanDelete: applyPlanDelete,
			CmdPlanPause:  applyPlanPause,
			CmdPlanResume: applyPlanResume,
		},
	}
}

// PlanByID reads a plan.
func PlanByID(txn Reader, id string) *Plan { return first[Plan](txn, tablePlans, "id", id) }

// Plans lists every plan in ID order.
func Plans(txn Reader) []*Plan { return all[Plan](txn, tablePlans, "id") }

// PlansUsingPlan lists the plans that name planID as a failure handler.
func PlansUsingPlan(txn Reader, planID string) []*Plan {
	var out []*Plan
	for _, p := range Plans(txn) {
		for _, s := range p.Steps {
			if contains(s.OnFailure.PlanIDs, planID) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// PlansUsingTask lists the plans whose steps or handlers name a task.
func PlansUsingTask(txn Reader, taskID string) []*Plan {
	var out []*Plan
	for _, p := range Plans(txn) {
		if p.usesTask(taskID) {
			out = append(out, p)
		}
	}
	return out
}

func (p *Plan) usesTask(taskID string) bool {
	for _, s := range p.Steps {
		for _, id := range append(append([]string(nil), s.TaskIDs...), s.OnFailure.TaskIDs...) {
			if id == taskID {
				return true
			}
		}
	}
	return false
}

func applyPlanCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var p Plan
	if err := cmd.Decode(&p); err != nil {
		return nil, err
	}
	ws := WorkspaceByID(tx.Reader, p.WorkspaceID)
	if ws == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "workspace %s not found", p.WorkspaceID)
	}
	p.EnvironmentID = ws.EnvironmentID
	if err := validName("plan name", p.Name); err != nil {
		return nil, err
	}
	if first[Plan](tx.Reader, tablePlans, "workspace_name", ws.ID, p.Name) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "a plan named %q already exists in workspace %q", p.Name, ws.Name)
	}
	if err := checkPlanSteps(tx.Reader, &p); err != nil {
		return nil, err
	}
	p.Version, p.CreatedBy, p.CreatedAt, p.UpdatedAt = 1, cmd.Meta.ActorName, cmd.Meta.Time, cmd.Meta.Time
	p.Pause = Pause{}
	return &p, tx.Insert(tablePlans, &p)
}

func checkPlanSteps(txn Reader, p *Plan) error {
	if len(p.Steps) == 0 || len(p.Steps) > MaxPlanSteps {
		return cluster.Reject(cluster.CodeInvalid, "steps: a plan has 1 to %d steps, got %d", MaxPlanSteps, len(p.Steps))
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.Name == "" {
			return cluster.Reject(cluster.CodeInvalid, "steps[%d].name is required", i)
		}
		if s.Condition == "" {
			s.Condition = ConditionAllSucceeded
		}
		if s.Condition != ConditionAllSucceeded && s.Condition != ConditionAtLeastOneSucceeded {
			return cluster.Reject(cluster.CodeInvalid, "steps[%d].condition must be %s or %s, got %q", i, ConditionAllSucceeded, ConditionAtLeastOneSucceeded, s.Condition)
		}
		if len(s.TaskIDs) == 0 || len(s.TaskIDs) > MaxTasksPerPlanStep {
			return cluster.Reject(cluster.CodeInvalid, "steps[%d].taskIds: a step has 1 to %d tasks, got %d", i, MaxTasksPerPlanStep, len(s.TaskIDs))
		}
		if len(s.OnFailure.TaskIDs)+len(s.OnFailure.PlanIDs) > MaxTasksPerPlanStep {
			return cluster.Reject(cluster.CodeInvalid, "steps[%d].onFailure: at most %d handlers", i, MaxTasksPerPlanStep)
		}
		for _, id := range s.OnFailure.PlanIDs {
			if err := checkHandlerPlan(txn, p, i, id); err != nil {
				return err
			}
		}
		for _, id := range append(append([]string(nil), s.TaskIDs...), s.OnFailure.TaskIDs...) {
			if err := checkPlanTask(txn, p, i, id); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkPlanTask(txn Reader, p *Plan, step int, id string) error {
	t := TaskByID(txn, id)
	if t == nil {
		return cluster.Reject(cluster.CodeNotFound, "steps[%d]: task %s not found", step, id)
	}
	if t.EnvironmentID != p.EnvironmentID {
		return cluster.Reject(cluster.CodeInvalid, "steps[%d]: task %q is in another environment", step, t.Name)
	}
	if err := refuseServiceTask(txn, t, "put in a plan"); err != nil {
		return err
	}
	// "You must run a task at least once before you add it to a plan".
	ran, err := taskHasRun(txn, t.ID)
	if err != nil {
		return err
	}
	if !ran {
		return cluster.Reject(cluster.CodePrecondition, "steps[%d]: task %q has never run; run a task at least once before adding it to a plan", step, t.Name)
	}
	return nil
}

// checkHandlerPlan refuses a handler plan that is missing, elsewhere, or
// would run p again: itself, or a plan whose handlers lead back to p.
func checkHandlerPlan(txn Reader, p *Plan, step int, id string) error {
	if id == p.ID {
		return cluster.Reject(cluster.CodeInvalid, "steps[%d].onFailure.planIds: a plan cannot be its own failure handler", step)
	}
	h := PlanByID(txn, id)
	if h == nil {
		return cluster.Reject(cluster.CodeNotFound, "steps[%d]: handler plan %s not found", step, id)
	}
	if h.EnvironmentID != p.EnvironmentID {
		return cluster.Reject(cluster.CodeInvalid, "steps[%d]: handler plan %q is in another environment", step, h.Name)
	}
	if reachesPlan(txn, h, p.ID, map[string]bool{}) {
		return cluster.Reject(cluster.CodeInvalid, "steps[%d].onFailure.planIds: handler plan %q leads back to this plan through its own failure handlers", step, h.Name)
	}
	return nil
}

// reachesPlan reports whether target is among from's handler plans, at
// any depth.
func reachesPlan(txn Reader, from *Plan, target string, seen map[string]bool) bool {
	if seen[from.ID] {
		return false
	}
	seen[from.ID] = true
	for _, s := range from.Steps {
		for _, id := range s.OnFailure.PlanIDs {
			if id == target {
				return true
			}
			if next := PlanByID(txn, id); next != nil && reachesPlan(txn, next, target, seen) {
				return true
			}
		}
	}
	return false
}

func applyPlanDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := PlanByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "plan %s not found", req.ID)
	}
	if len(ActivePlanExecutions(tx.Reader, cur.ID)) > 0 {
		return nil, cluster.Reject(cluster.CodeConflict, "plan %q is running; stop its executions first", cur.Name)
	}
	if users := PlansUsingPlan(tx.Reader, cur.ID); len(users) > 0 {
		return nil, cluster.Reject(cluster.CodeConflict, "plan %q is the failure handler of plan %q; remove it there first", cur.Name, users[0].Name)
	}
	if err := deleteTriggersOf(tx, OwnerPlan, cur.ID); err != nil {
		return nil, err
	}
	return nil, tx.Delete(tablePlans, cur)
}

// PlanPauseRequest pauses a plan with an optional reason.
type PlanPauseRequest struct {
	ID     string `json:"id"`
	Reason string `json:"reason,omitempty"`
}

func applyPlanPause(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req PlanPauseRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := PlanByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "plan %s not found", req.ID)
	}
	next := *cur
	next.Pause, next.UpdatedAt = pausedBy(cmd, req.Reason), cmd.Meta.Time
	return &next, tx.Insert(tablePlans, &next)
}

func applyPlanResume(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := PlanByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "plan %s not found", req.ID)
	}
	next := *cur
	next.Pause, next.UpdatedAt = Pause{}, cmd.Meta.Time
	return &next, tx.Insert(tablePlans, &next)
}

// checkPlanWebhook is the precondition of a plan webhook:
// "at least one task in the first step must have a source Job with the
// context parameter" resource_webhook_payload, or the batch has nowhere to go.
func checkPlanWebhook(txn Reader, p *Plan) error {
	for _, id := range p.Steps[0].TaskIDs {
		if t := TaskByID(txn, id); t != nil && taskTakesWebhookPayload(txn, t) {
			return nil
		}
	}
	return cluster.Reject(cluster.CodePrecondition, "plan %q cannot have a webhook: no task of its first step (%q) has a source Job with the context parameter %s",
		p.Name, p.Steps[0].Name, schedule.PayloadParameter)
}

// taskTakesWebhookPayload reports whether the task's Job (the version it
// runs) or the task's own parameters declare resource_webhook_payload.
func taskTakesWebhookPayload(txn Reader, t *Task) bool {
	if _, ok := t.Parameters[schedule.PayloadParameter]; ok {
		return true
	}
	version := t.ArtifactVersion
	if a := ArtifactByID(txn, t.ArtifactID); a != nil && (t.AlwaysLatest || version == "") {
		version = a.LatestVersion
	}
	v := ArtifactVersionOf(txn, t.ArtifactID, version)
	if v == nil {
		return false
	}
	_, ok := v.Parameters[schedule.PayloadParameter]
	return ok
}
