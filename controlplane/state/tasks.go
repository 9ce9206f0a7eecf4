package state

import (
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Runtime types of a task's run config (the real API's enum; the cloud
// ones do not exist in a self-hosted product).
const (
	RuntimeEngine        = "REMOTE_ENGINE"
	RuntimeEngineCluster = "REMOTE_ENGINE_CLUSTER"
)

// Log levels (the real API's enum for executions).
func LogLevels() []string { return []string{"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"} }

// Task timeouts: custom, default 5 minutes, minimum 1.
const (
	DefaultTaskTimeoutMinutes = 5
	MinTaskTimeoutMinutes     = 1
	DefaultLogLevel           = "WARN"
)

// Runtime says where a task runs.
type Runtime struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	RunProfileID string `json:"runProfileId,omitempty"`
}

// RunConfig is a task's engine step: where and how it runs.
type RunConfig struct {
	Runtime                  Runtime `json:"runtime"`
	LogLevel                 string  `json:"logLevel"`
	ParallelExecutionAllowed bool    `json:"parallelExecutionAllowed"`
	TimeoutMinutes           int     `json:"timeout"`
	RemoteRunAsUser          string  `json:"remoteRunAsUser,omitempty"`
	ServiceConfig
}

// Task is a job task: an artifact version with parameters and a run
// config, in one workspace. AlwaysLatest makes every run use the
// artifact's latest version.
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

const (
	tableTasks = "tasks"

	CmdTaskCreate    = "task.create"
	CmdTaskUpdate    = "task.update"
	CmdTaskRunConfig = "task.run-config"
	CmdTaskPause     = "task.pause"
	CmdTaskResume    = "task.resume"
	CmdTaskMove      = "task.move"
	CmdTaskDelete    = "task.delete"
)

func taskSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableTasks, func() any { return new(Task) }, idIndex(),
				stringIndex("workspace", "WorkspaceID", false),
				compoundIndex("workspace_name", true, "WorkspaceID", "Name"),
				stringIndex("artifact", "ArtifactID", false)),
		},
		Handlers: map[string]cluster.Handler{
			CmdTaskCreate:    applyTaskCreate,
			CmdTaskUpdate:    applyTaskUpdate,
			CmdTaskRunConfig: applyTaskRunConfig,
			CmdTaskPause:     applyTaskPause,
			CmdTaskResume:    applyTaskResume,
			CmdTaskMove:      applyTaskMove,
			CmdTaskDelete:    applyTaskDelete,
		},
	}
}

// TaskByID reads a task.
func TaskByID(txn Reader, id string) *Task { return first[Task](txn, tableTasks, "id", id) }

// TaskByName reads a task of a workspace by name (case-insensitive).
func TaskByName(txn Reader, workspaceID, name string) *Task {
	return first[Task](txn, tableTasks, "workspace_name", workspaceID, strings.ToLower(name))
}

// Tasks lists every task in ID order.
func Tasks(txn Reader) []*Task { return all[Task](txn, tableTasks, "id") }

// TasksIn lists a workspace's tasks.
func TasksIn(txn Reader, workspaceID string) []*Task {
	return all[Task](txn, tableTasks, "workspace", workspaceID)
}

// TasksUsingArtifact lists the tasks that use any version of an artifact.
func TasksUsingArtifact(txn Reader, artifactID string) []*Task {
	return all[Task](txn, tableTasks, "artifact", artifactID)
}

func applyTaskCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var t Task
	if err := cmd.Decode(&t); err != nil {
		return nil, err
	}
	return insertTask(tx, &t)
}

// insertTask checks a new task against the workspace and artifact rules
// and inserts it.
func insertTask(tx *cluster.Tx, t *Task) (*Task, error) {
	ws := WorkspaceByID(tx.Reader, t.WorkspaceID)
	if ws == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "workspace %s not found", t.WorkspaceID)
	}
	if t.EnvironmentID != "" && t.EnvironmentID != ws.EnvironmentID {
		return nil, cluster.Reject(cluster.CodeInvalid, "workspace %s is not in environment %s", ws.ID, t.EnvironmentID)
	}
	t.EnvironmentID = ws.EnvironmentID
	if err := validName("task name", t.Name); err != nil {
		return nil, err
	}
	if TaskByName(tx.Reader, ws.ID, t.Name) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "a task named %q already exists in workspace %q", t.Name, ws.Name)
	}
	if n := len(TasksIn(tx.Reader, ws.ID)); n >= MaxTasksPerWorkspace {
		return nil, cluster.Reject(cluster.CodePrecondition, "workspace %q already holds %d tasks, the maximum", ws.Name, n)
	}
	if err := checkTaskArtifact(tx.Reader, t); err != nil {
		return nil, err
	}
	if t.Parameters == nil {
		t.Parameters = map[string]string{}
	}
	t.Version, t.CreatedBy, t.CreatedAt, t.UpdatedAt = 1, tx.Meta.ActorName, tx.Meta.Time, tx.Meta.Time
	t.Pause = Pause{}
	return t, tx.Insert(tableTasks, t)
}

func checkTaskArtifact(txn Reader, t *Task) error {
	art := ArtifactByID(txn, t.ArtifactID)
	if art == nil {
		return cluster.Reject(cluster.CodeNotFound, "artifact %s not found", t.ArtifactID)
	}
	switch art.Type {
	case ArtifactJob, ArtifactRoute, ArtifactDataService:
	default:
		return cluster.Reject(cluster.CodeInvalid, "artifact %q is a %s; tasks need a job, route or data-service artifact", art.Name, art.Type)
	}
	if art.EnvironmentID != t.EnvironmentID {
		return cluster.Reject(cluster.CodeInvalid, "artifact %q belongs to another environment", art.Name)
	}
	if t.OverrideParameters && !t.AlwaysLatest {
		return cluster.Reject(cluster.CodeInvalid, "overrideParametersWithArtifactDefaults needs the always-latest artifact version")
	}
	if t.AlwaysLatest {
		t.ArtifactVersion = ""
		return nil
	}
	if ArtifactVersionOf(txn, art.ID, t.ArtifactVersion) == nil {
		return cluster.Reject(cluster.CodeNotFound, "artifact %q has no version %q", art.Name, t.ArtifactVersion)
	}
	return nil
}

// TaskUpdate changes a task's basic fields, artifact version and
// parameters; nil fields are left as they are. Changing the artifact
// version increases the task version.
type TaskUpdate struct {
	ID                 string             `json:"id"`
	Name               *string            `json:"name,omitempty"`
	Description        *string            `json:"description,omitempty"`
	ArtifactVersion    *string            `json:"artifactVersion,omitempty"`
	AlwaysLatest       *bool              `json:"alwaysLatest,omitempty"`
	OverrideParameters *bool              `json:"overrideParametersWithArtifactDefaults,omitempty"`
	Parameters         *map[string]string `json:"parameters,omitempty"`
}

func applyTaskUpdate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req TaskUpdate
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := TaskByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "task %s not found", req.ID)
	}
	next := *cur
	if req.Name != nil && *req.Name != cur.Name {
		if err := validName("task name", *req.Name); err != nil {
			return nil, err
		}
		if other := TaskByName(tx.Reader, cur.WorkspaceID, *req.Name); other != nil && other.ID != cur.ID {
			return nil, cluster.Reject(cluster.CodeConflict, "a task named %q already exists in this workspace", *req.Name)
		}
		next.Name = *req.Name
	}
	if req.Description != nil {
		next.Description = *req.Description
	}
	if req.AlwaysLatest != nil {
		next.AlwaysLatest = *req.AlwaysLatest
	}
	if req.ArtifactVersion != nil {
		next.ArtifactVersion = *req.ArtifactVersion
	}
	if req.OverrideParameters != nil {
		next.OverrideParameters = *req.OverrideParameters
	}
	if req.Parameters != nil {
		next.Parameters = copyParams(*req.Parameters)
	}
	if err := checkTaskArtifact(tx.Reader, &next); err != nil {
		return nil, err
	}
	if next.ArtifactVersion != cur.ArtifactVersion || next.AlwaysLatest != cur.AlwaysLatest {
		next.Version++
	}
	next.UpdatedAt = cmd.Meta.Time
	return &next, tx.Insert(tableTasks, &next)
}

// TaskRunConfigRequest sets a task's run config. The proposer has checked
// that the runtime exists in the task's environment (engines are not in
// this package's tables yet); the handler checks the rest.
type TaskRunConfigRequest struct {
	ID        string    `json:"id"`
	RunConfig RunConfig `json:"runConfig"`
}

func applyTaskRunConfig(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req TaskRunConfigRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := TaskByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "task %s not found", req.ID)
	}
	rc := req.RunConfig
	if err := ValidateTaskRunConfig(tx.Reader, cur, &rc); err != nil {
		return nil, err
	}
	next := *cur
	next.RunConfig, next.UpdatedAt = &rc, cmd.Meta.Time
	return &next, tx.Insert(tableTasks, &next)
}

// ValidateRunConfig checks a run config and fills its defaults.
func ValidateRunConfig(rc *RunConfig) error {
	if rc.Runtime.Type != RuntimeEngine && rc.Runtime.Type != RuntimeEngineCluster {
		return cluster.Reject(cluster.CodeInvalid, "runtime.type must be %s or %s, got %q", RuntimeEngine, RuntimeEngineCluster, rc.Runtime.Type)
	}
	if rc.Runtime.ID == "" {
		return cluster.Reject(cluster.CodeInvalid, "runtime.id is required")
	}
	if rc.LogLevel == "" {
		rc.LogLevel = DefaultLogLevel
	}
	if !ValidLogLevel(rc.LogLevel) {
		return cluster.Reject(cluster.CodeInvalid, "logLevel must be one of %v, got %q", LogLevels(), rc.LogLevel)
	}
	if rc.TimeoutMinutes == 0 {
		rc.TimeoutMinutes = DefaultTaskTimeoutMinutes
	}
	if rc.TimeoutMinutes < MinTaskTimeoutMinutes {
		return cluster.Reject(cluster.CodeInvalid, "timeout must be at least %d minute, got %d", MinTaskTimeoutMinutes, rc.TimeoutMinutes)
	}
	return nil
}

// ValidLogLevel reports whether level is one of LogLevels.
func ValidLogLevel(level string) bool {
	for _, l := range LogLevels() {
		if l == level {
			return true
		}
	}
	return false
}

// TaskPauseRequest pauses a task with an optional reason.
type TaskPauseRequest struct {
	ID     string `json:"id"`
	Reason string `json:"reason,omitempty"`
}

func applyTaskPause(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req TaskPauseRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := TaskByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "task %s not found", req.ID)
	}
	next := *cur
	next.Pause, next.UpdatedAt = pausedBy(cmd, req.Reason), cmd.Meta.Time
	return &next, tx.Insert(tableTasks, &next)
}

func applyTaskResume(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := TaskByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "task %s not found", req.ID)
	}
	next := *cur
	next.Pause, next.UpdatedAt = Pause{}, cmd.Meta.Time
	return &next, tx.Insert(tableTasks, &next)
}

// TaskMoveRequest moves a task to another workspace of its environment.
type TaskMoveRequest struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspaceId"`
}

func applyTaskMove(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req TaskMoveRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := TaskByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "task %s not found", req.ID)
	}
	ws := WorkspaceByID(tx.Reader, req.WorkspaceID)
	if ws == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "workspace %s not found", req.WorkspaceID)
	}
	if ws.EnvironmentID != cur.EnvironmentID {
		return nil, cluster.Reject(cluster.CodeInvalid, "a task can only move to a workspace of its own environment")
	}
	if ws.ID == cur.WorkspaceID {
		return cur, nil
	}
	if TaskByName(tx.Reader, ws.ID, cur.Name) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "a task named %q already exists in workspace %q", cur.Name, ws.Name)
	}
	if n := len(TasksIn(tx.Reader, ws.ID)); n >= MaxTasksPerWorkspace {
		return nil, cluster.Reject(cluster.CodePrecondition, "workspace %q already holds %d tasks, the maximum", ws.Name, n)
	}
	next := *cur
	next.WorkspaceID, next.UpdatedAt = ws.ID, cmd.Meta.Time
	return &next, tx.Insert(tableTasks, &next)
}

func applyTaskDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := TaskByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "task %s not found", req.ID)
	}
	// Only tasks not used in plans can be deleted.
	if plans := PlansUsingTask(tx.Reader, cur.ID); len(plans) > 0 {
		return nil, cluster.Reject(cluster.CodeConflict, "task %q is used in plan %q; remove it from the plan first", cur.Name, plans[0].Name)
	}
	if err := taskHasDeployments(tx.Reader, cur); err != nil {
		return nil, err
	}
	if err := deleteTriggersOf(tx, OwnerTask, cur.ID); err != nil {
		return nil, err
	}
	return nil, tx.Delete(tableTasks, cur)
}
