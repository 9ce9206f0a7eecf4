package api

import (
	"context"
	"net/url"
	"time"
)

// Plan step conditions.
const (
	StepAllSucceeded        = "ALL_SUCCEEDED"
	StepAtLeastOneSucceeded = "AT_LEAST_ONE_SUCCEEDED"
)

// Plan runs steps of tasks one after another.
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

// PlanStep runs TaskIDs in parallel; the next step starts when Condition
// holds, else OnFailure runs.
type PlanStep struct {
	Name      string       `json:"name"`
	Condition string       `json:"condition"`
	TaskIDs   []string     `json:"taskIds"`
	OnFailure PlanHandlers `json:"onFailure"`
}

// PlanHandlers are the tasks and plans run when a step fails.
type PlanHandlers struct {
	TaskIDs []string `json:"taskIds"`
	PlanIDs []string `json:"planIds,omitempty"`
}

// PlanCreate creates a plan.
type PlanCreate struct {
	Name               string     `json:"name"`
	Description        string     `json:"description,omitempty"`
	WorkspaceID        string     `json:"workspaceId"`
	Steps              []PlanStep `json:"steps"`
	ParallelRunAllowed bool       `json:"parallelRunAllowed,omitempty"`
}

// PlanExecution is one run of a plan.
type PlanExecution struct {
	ID             string            `json:"executionId"`
	PlanID         string            `json:"planId"`
	PlanName       string            `json:"planName"`
	WorkspaceID    string            `json:"workspaceId"`
	Status         string            `json:"status"`
	Active         bool              `json:"active"`
	ExecutionType  string            `json:"executionType"`
	UserID         string            `json:"userId,omitempty"`
	Parameters     map[string]string `json:"parameters,omitempty"`
	Steps          []StepRun         `json:"steps"`
	CurrentStep    int               `json:"currentStep"` // 0-based
	RerunOf        string            `json:"rerunOf,omitempty"`
	Limits         PlanRunLimits     `json:"limits"`
	TimeoutMinutes int               `json:"timeoutMinutes,omitempty"`
	TriggerTime    time.Time         `json:"triggerTimestamp"`
	FinishedAt     *time.Time        `json:"finishTimestamp,omitempty"`
}

// PlanRunLimits are the run limits a plan execution started under.
type PlanRunLimits struct {
	Minute      time.Duration `json:"minute"`
	QueueCap    int           `json:"queueCap"`
	QueueWindow time.Duration `json:"queueWindow"`
}

// StepRun is one step of a plan execution.
type StepRun struct {
	Name           string     `json:"name"`
	Condition      string     `json:"condition"`
	Status         string     `json:"status"`
	Tasks          []TaskRun  `json:"tasks"`
	Handlers       []TaskRun  `json:"handlers,omitempty"`
	HandlerIDs     []string   `json:"handlerTaskIds,omitempty"`
	HandlerPlans   []PlanRun  `json:"handlerPlans,omitempty"`
	HandlerPlanIDs []string   `json:"handlerPlanIds,omitempty"`
	StartedAt      *time.Time `json:"startTimestamp,omitempty"`
	FinishedAt     *time.Time `json:"finishTimestamp,omitempty"`
}

// TaskRun is one task's execution in a step.
type TaskRun struct {
	TaskID      string `json:"taskId"`
	ExecutionID string `json:"executionId,omitempty"`
	Status      string `json:"executionStatus,omitempty"`
	Message     string `json:"message,omitempty"`
	Carried     bool   `json:"carried,omitempty"`
}

// PlanRun is a failure-handler plan's execution.
type PlanRun struct {
	PlanID      string `json:"planId"`
	ExecutionID string `json:"executionId,omitempty"`
	Status      string `json:"status,omitempty"`
	Message     string `json:"message,omitempty"`
}

// PlanRunRequest starts a plan execution.
type PlanRunRequest struct {
	Executable string            `json:"executable"` // the plan ID
	Parameters map[string]string `json:"parameters,omitempty"`
}

// PlanRerun reruns a plan execution from step FromStep (1-based), only
// its failed tasks when OnlyFailed.
type PlanRerun struct {
	FromStep   int  `json:"fromStep"`
	OnlyFailed bool `json:"onlyFailed"`
}

// Plans calls /orchestration/executables/plans and the plan executions.
type Plans struct{ c *Client }

// Plans returns the plan calls.
func (c *Client) Plans() Plans { return Plans{c} }

const (
	plansPath          = "/orchestration/executables/plans"
	planExecutionsPath = "/processing/executions/plans"
)

func planPath(id string) string { return plansPath + "/" + url.PathEscape(id) }

// List lists the plans the caller may see, of workspaceID when set.
func (s Plans) List(ctx context.Context, workspaceID string) ([]Plan, error) {
	var out []Plan
	return out, s.c.Do(ctx, "GET", plansPath, query("workspaceId", workspaceID), nil, &out)
}

// Get reads one plan.
func (s Plans) Get(ctx context.Context, id string) (*Plan, error) {
	var out Plan
	return &out, s.c.Do(ctx, "GET", planPath(id), nil, nil, &out)
}

// Create creates a plan.
func (s Plans) Create(ctx context.Context, in PlanCreate) (*Plan, error) {
	var out Plan
	return &out, s.c.Do(ctx, "POST", plansPath, nil, in, &out)
}

// Delete deletes a plan.
func (s Plans) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", planPath(id), nil, nil, nil)
}

// Pause pauses a plan's schedule, giving reason.
func (s Plans) Pause(ctx context.Context, id, reason string) (*Plan, error) {
	var out Plan
	return &out, s.c.Do(ctx, "POST", planPath(id)+"/pause", nil, map[string]string{"reason": reason}, &out)
}

// Resume resumes a paused plan.
func (s Plans) Resume(ctx context.Context, id string) (*Plan, error) {
	var out Plan
	return &out, s.c.Do(ctx, "POST", planPath(id)+"/resume", nil, nil, &out)
}

// Executions lists a plan's executions.
func (s Plans) Executions(ctx context.Context, id string) ([]PlanExecution, error) {
	var out []PlanExecution
	return out, s.c.Do(ctx, "GET", planPath(id)+"/executions", nil, nil, &out)
}

// Run starts a plan execution.
func (s Plans) Run(ctx context.Context, in PlanRunRequest) (*ExecutionStarted, error) {
	var out ExecutionStarted
	return &out, s.c.Do(ctx, "POST", planExecutionsPath, nil, in, &out)
}

// Execution reads a plan execution with its step states.
func (s Plans) Execution(ctx context.Context, executionID string) (*PlanExecution, error) {
	var out PlanExecution
	return &out, s.c.Do(ctx, "GET", planExecutionsPath+"/"+url.PathEscape(executionID), nil, nil, &out)
}

// Stop stops a plan execution.
func (s Plans) Stop(ctx context.Context, executionID string) (*PlanExecution, error) {
	var out PlanExecution
	return &out, s.c.Do(ctx, "POST", planExecutionsPath+"/"+url.PathEscape(executionID)+"/stop", nil, nil, &out)
}

// Rerun starts a new execution repeating part of an earlier one.
func (s Plans) Rerun(ctx context.Context, executionID string, in PlanRerun) (*ExecutionStarted, error) {
	var out ExecutionStarted
	return &out, s.c.Do(ctx, "POST", planExecutionsPath+"/"+url.PathEscape(executionID)+"/rerun", nil, in, &out)
}
