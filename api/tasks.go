package api

import (
	"context"
	"net/url"
	"time"
)

// Runtime types a task runs on.
const (
	RuntimeEngine        = "REMOTE_ENGINE"
	RuntimeEngineCluster = "REMOTE_ENGINE_CLUSTER"
)

// Task is an artifact made runnable in a workspace.
type Task struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	Description        string            `json:"description,omitempty"`
	EnvironmentID      string            `json:"environmentId"`
	WorkspaceID        string            `json:"workspaceId"`
	ArtifactID         string            `json:"artifactId"`
	ArtifactVersion    string            `json:"artifactVersion,omitempty"`
	AlwaysLatest       bool              `json:"alwaysLatest"`
	OverrideParameters bool              `json:"overrideParametersWithArtifactDefaults"`
	Parameters         map[string]string `json:"parameters"`
	Connections        map[string]string `json:"connections,omitempty"`
	Resources          map[string]string `json:"resources,omitempty"`
	RunConfig          *RunConfig        `json:"runConfig,omitempty"`
	Pause
	Version   int       `json:"version"`
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Pause says whether a task or plan is paused (its schedule does not fire).
type Pause struct {
	Paused      bool       `json:"paused"`
	PauseReason string     `json:"pauseReason,omitempty"`
	PausedBy    string     `json:"pausedBy,omitempty"`
	PausedAt    *time.Time `json:"pausedAt,omitempty"`
}

// ArtifactRef names an artifact version.
type ArtifactRef struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
}

// TaskCreate creates a task.
type TaskCreate struct {
	Name               string            `json:"name"`
	Description        string            `json:"description,omitempty"`
	EnvironmentID      string            `json:"environmentId,omitempty"`
	WorkspaceID        string            `json:"workspaceId"`
	Artifact           ArtifactRef       `json:"artifact"`
	AlwaysLatest       bool              `json:"alwaysLatest,omitempty"`
	OverrideParameters bool              `json:"overrideParametersWithArtifactDefaults,omitempty"`
	Parameters         map[string]string `json:"parameters,omitempty"`
	Connections        map[string]string `json:"connections,omitempty"`
	Resources          map[string]string `json:"resources,omitempty"`
}

// TaskUpdate changes the fields that are set (the artifact's version, not
// the artifact).
type TaskUpdate struct {
	Name               *string            `json:"name,omitempty"`
	Description        *string            `json:"description,omitempty"`
	Artifact           *ArtifactRef       `json:"artifact,omitempty"`
	AlwaysLatest       *bool              `json:"alwaysLatest,omitempty"`
	OverrideParameters *bool              `json:"overrideParametersWithArtifactDefaults,omitempty"`
	Parameters         *map[string]string `json:"parameters,omitempty"`
}

// TaskRuntime is where a task runs.
type TaskRuntime struct {
	Type         string `json:"type"` // REMOTE_ENGINE, REMOTE_ENGINE_CLUSTER
	ID           string `json:"id"`
	RunProfileID string `json:"runProfileId,omitempty"`
}

// PortAssignment is a service's port: AUTOMATIC, or CUSTOM with Value.
type PortAssignment struct {
	Type  string `json:"type"`
	Value int    `json:"value,omitempty"`
}

// ServiceConfig is the part of a run config only route and data-service
// tasks have; zero values take the server's defaults.
type ServiceConfig struct {
	DeploymentStrategy      string          `json:"deploymentStrategy,omitempty"` // SINGLE_NODE, PARALLEL, ROLLING
	Port                    *PortAssignment `json:"port,omitempty"`
	MetricPath              *string         `json:"metricPath,omitempty"`
	Rollback                bool            `json:"rollback,omitempty"`
	MinHealthySeconds       int             `json:"minHealthySeconds,omitempty"`
	ProgressDeadlineSeconds int             `json:"progressDeadlineSeconds,omitempty"`
	ShutdownDelaySeconds    *int            `json:"shutdownDelaySeconds,omitempty"`
}

// RunConfig is where and how a task runs.
type RunConfig struct {
	Runtime                  TaskRuntime `json:"runtime"`
	LogLevel                 string      `json:"logLevel,omitempty"`
	ParallelExecutionAllowed bool        `json:"parallelExecutionAllowed"`
	TimeoutMinutes           int         `json:"timeout,omitempty"`
	RemoteRunAsUser          string      `json:"remoteRunAsUser,omitempty"`
	ServiceConfig
}

// TaskFilter narrows a task list; empty fields match all.
type TaskFilter struct {
	WorkspaceID, EnvironmentID, Name, ArtifactID string
}

// Tasks calls /orchestration/executables/tasks.
type Tasks struct{ c *Client }

// Tasks returns the task calls.
func (c *Client) Tasks() Tasks { return Tasks{c} }

const tasksPath = "/orchestration/executables/tasks"

func taskPath(id string) string { return tasksPath + "/" + url.PathEscape(id) }

// ListPage reads one page of the tasks the caller may see that match f.
func (s Tasks) ListPage(ctx context.Context, f TaskFilter, opts ListOptions) (*Page[Task], error) {
	var out Page[Task]
	q := query("workspaceId", f.WorkspaceID, "environmentId", f.EnvironmentID, "name", f.Name, "artifactId", f.ArtifactID)
	return &out, s.c.Do(ctx, "GET", tasksPath, pageQuery(q, opts), nil, &out)
}

// List lists every task the caller may see that match f, page by page.
func (s Tasks) List(ctx context.Context, f TaskFilter) ([]Task, error) {
	out := []Task{}
	fetch := func(ctx context.Context, opts ListOptions) (*Page[Task], error) { return s.ListPage(ctx, f, opts) }
	for t, err := range All(ctx, ListOptions{Limit: 1000}, fetch) {
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Get reads one task.
func (s Tasks) Get(ctx context.Context, id string) (*Task, error) {
	var out Task
	return &out, s.c.Do(ctx, "GET", taskPath(id), nil, nil, &out)
}

// Create creates a task.
func (s Tasks) Create(ctx context.Context, in TaskCreate) (*Task, error) {
	var out Task
	return &out, s.c.Do(ctx, "POST", tasksPath, nil, in, &out)
}

// Update changes a task.
func (s Tasks) Update(ctx context.Context, id string, in TaskUpdate) (*Task, error) {
	var out Task
	return &out, s.c.Do(ctx, "PATCH", taskPath(id), nil, in, &out)
}

// Delete deletes a task.
func (s Tasks) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", taskPath(id), nil, nil, nil)
}

// RunConfig reads a task's run config (404 TASK_NOT_CONFIGURED before one
// is set).
func (s Tasks) RunConfig(ctx context.Context, id string) (*RunConfig, error) {
	var out RunConfig
	return &out, s.c.Do(ctx, "GET", taskPath(id)+"/run-config", nil, nil, &out)
}

// SetRunConfig sets where and how a task runs.
func (s Tasks) SetRunConfig(ctx context.Context, id string, rc RunConfig) error {
	return s.c.Do(ctx, "PUT", taskPath(id)+"/run-config", nil, rc, nil)
}

// Run starts an execution of a task (in.Executable may be left empty).
func (s Tasks) Run(ctx context.Context, id string, in RunRequest) (*ExecutionStarted, error) {
	var out ExecutionStarted
	return &out, s.c.Do(ctx, "POST", taskPath(id)+"/run", nil, in, &out)
}

// Executions lists a task's executions, newest first.
func (s Tasks) Executions(ctx context.Context, id string, opts ListOptions) (*Page[Execution], error) {
	var out Page[Execution]
	return &out, s.c.Do(ctx, "GET", taskPath(id)+"/executions", pageQuery(url.Values{}, opts), nil, &out)
}

// Pause pauses a task's schedule, giving reason.
func (s Tasks) Pause(ctx context.Context, id, reason string) (*Task, error) {
	var out Task
	return &out, s.c.Do(ctx, "POST", taskPath(id)+"/pause", nil, map[string]string{"reason": reason}, &out)
}

// Resume resumes a paused task.
func (s Tasks) Resume(ctx context.Context, id string) (*Task, error) {
	var out Task
	return &out, s.c.Do(ctx, "POST", taskPath(id)+"/resume", nil, nil, &out)
}

// Move moves a task to another workspace.
func (s Tasks) Move(ctx context.Context, id, workspaceID string) (*Task, error) {
	var out Task
	return &out, s.c.Do(ctx, "POST", taskPath(id)+"/move", nil, map[string]string{"workspaceId": workspaceID}, &out)
}
