package api

import (
	"context"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// Deployment statuses.
const (
	DeploymentNeverDeployed = "NEVER_DEPLOYED"
	DeploymentDeploying     = "DEPLOYING"
	DeploymentRunning       = "RUNNING"
	DeploymentUndeploying   = "UNDEPLOYING"
	DeploymentUndeployed    = "UNDEPLOYED"
	DeploymentFailed        = "FAILED"
)

// Deployment is a route or data-service task's instance on one engine.
type Deployment struct {
	DeploymentID    string                      `json:"deploymentId,omitempty"`
	TaskID          string                      `json:"taskId"`
	EngineID        string                      `json:"engineId"`
	EngineName      string                      `json:"engineName,omitempty"`
	Status          string                      `json:"status"`
	SubStatus       string                      `json:"subStatus"`
	ArtifactVersion string                      `json:"artifactVersion,omitempty"`
	Port            int                         `json:"port,omitempty"`
	Healthy         bool                        `json:"healthy"`
	Message         string                      `json:"message,omitempty"`
	DeployedBy      string                      `json:"deployedBy,omitempty"`
	Start           time.Time                   `json:"start,omitzero"`
	Stop            time.Time                   `json:"stop,omitzero"`
	RolloutID       string                      `json:"rolloutId,omitempty"`
	Metrics         *protocol.DeploymentMetrics `json:"metrics,omitempty"`
	MetricsTime     time.Time                   `json:"metricsTime,omitzero"`
	MetricsStale    bool                        `json:"metricsStale"`
	UpdatedAt       time.Time                   `json:"updatedAt,omitzero"`
}

// Rollout is one deploy of a task to its engines, batch by batch.
type Rollout struct {
	ID                      string    `json:"id"`
	TaskID                  string    `json:"taskId"`
	Strategy                string    `json:"strategy"`
	TargetVersion           string    `json:"targetVersion"`
	PreviousVersion         string    `json:"previousVersion,omitempty"`
	Engines                 []string  `json:"engines"`
	RollbackEngines         []string  `json:"rollbackEngines,omitempty"`
	Phase                   string    `json:"phase"`
	Batch                   int       `json:"batch"`
	StepStarted             time.Time `json:"stepStarted"`
	Status                  string    `json:"status"`
	Message                 string    `json:"message,omitempty"`
	Rollback                bool      `json:"rollback"`
	MinHealthySeconds       float64   `json:"minHealthySeconds"`
	ProgressDeadlineSeconds float64   `json:"progressDeadlineSeconds"`
	ShutdownDelaySeconds    float64   `json:"shutdownDelaySeconds"`
	CustomPort              int       `json:"customPort,omitempty"`
	Revision                int       `json:"revision"`
	CreatedBy               string    `json:"createdBy"`
	CreatedAt               time.Time `json:"createdAt"`
	UpdatedAt               time.Time `json:"updatedAt"`
}

// Undeployed names the engines an undeploy stops.
type Undeployed struct {
	EngineIDs []string `json:"engineIds"`
}

// Deployments calls a service task's deploy endpoints.
type Deployments struct{ c *Client }

// Deployments returns the deployment calls.
func (c *Client) Deployments() Deployments { return Deployments{c} }

func engineBody(engineID string) any {
	if engineID == "" {
		return nil
	}
	return map[string]string{"engineId": engineID}
}

// Deploy deploys a task to its engine or cluster, or (engineID set) to
// that one engine of its cluster. The rollout proceeds after the answer.
func (s Deployments) Deploy(ctx context.Context, taskID, engineID string) (*Rollout, error) {
	var out Rollout
	return &out, s.c.Do(ctx, "POST", taskPath(taskID)+"/deploy", nil, engineBody(engineID), &out)
}

// Undeploy stops a task's instances (only on engineID when set).
func (s Deployments) Undeploy(ctx context.Context, taskID, engineID string) (*Undeployed, error) {
	var out Undeployed
	return &out, s.c.Do(ctx, "POST", taskPath(taskID)+"/undeploy", nil, engineBody(engineID), &out)
}

// List lists a task's deployment, one record per engine.
func (s Deployments) List(ctx context.Context, taskID string) ([]Deployment, error) {
	var out []Deployment
	return out, s.c.Do(ctx, "GET", taskPath(taskID)+"/deployments", nil, nil, &out)
}

// History lists every earlier deployment record of a task, newest first.
func (s Deployments) History(ctx context.Context, taskID string) ([]Deployment, error) {
	var out []Deployment
	return out, s.c.Do(ctx, "GET", taskPath(taskID)+"/deployments/history", nil, nil, &out)
}

// Rollouts lists a task's rollouts, newest first.
func (s Deployments) Rollouts(ctx context.Context, taskID string) ([]Rollout, error) {
	var out []Rollout
	return out, s.c.Do(ctx, "GET", taskPath(taskID)+"/rollouts", nil, nil, &out)
}
