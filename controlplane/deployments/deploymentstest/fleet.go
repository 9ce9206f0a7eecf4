package deploymentstest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// API calls a control plane's HTTP API with a token.
type API struct {
	URL, Token string
}

// Do sends in as JSON and decodes a 2xx answer into out; any other status
// is an error carrying the body.
func (a API) Do(method, path string, in, out any) error {
	status, raw, err := a.Raw(method, path, in)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, status, raw)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// Raw sends in (a []byte as is, as an artifact archive) and returns the
// status and body; it goes through the api package, each call sent once.
func (a API) Raw(method, path string, in any) (int, []byte, error) {
	c, err := api.New(api.Config{Address: a.URL, Token: a.Token, HTTPClient: http.DefaultClient})
	if err != nil {
		return 0, nil, err
	}
	ctype := "application/json"
	if _, ok := in.([]byte); ok {
		ctype = "application/gzip"
	}
	return c.WithRetry(api.NoRetry()).Exchange(context.Background(), method, path, ctype, in)
}

// Fleet sets up engines, clusters, artifacts and service tasks on one
// control plane through its API.
type Fleet struct {
	API       API
	QUICAddr  string
	Env       string
	Workspace string
}

// NewFleet finds the default environment's shared workspace and grants
// the token's user every right on it.
func NewFleet(url, token, quicAddr string) (*Fleet, error) {
	env, ws, err := executionstest.SharedWorkspace(url, token)
	if err != nil {
		return nil, err
	}
	return &Fleet{API: API{URL: url, Token: token}, QUICAddr: quicAddr, Env: env, Workspace: ws}, nil
}

// EngineView is the part of an engine the fleet waits on.
type EngineView struct {
	ID           string              `json:"id"`
	Availability string              `json:"availability"`
	Host         *protocol.HostFacts `json:"host"`
}

// AddEngine creates an engine, pairs a fake engine with it, starts its
// session and waits until it is AVAILABLE with its version recorded.
func (f *Fleet) AddEngine(ctx context.Context, name, version string) (*Engine, error) {
	var created struct {
		ID  string `json:"id"`
		Key string `json:"preAuthorizedKey"`
	}
	if err := f.API.Do("POST", "/processing/runtimes/remote-engines", map[string]any{"name": name, "environmentId": f.Env}, &created); err != nil {
		return nil, err
	}
	e, err := Pair(ctx, f.QUICAddr, created.Key, version)
	if err != nil {
		return nil, err
	}
	e.Start()
	return e, f.WaitEngine(ctx, e.ID, func(v EngineView) bool {
		return v.Availability == state.EngineAvailable && v.Host != nil && v.Host.EngineVersion == version
	})
}

// WaitEngine polls an engine until cond holds.
func (f *Fleet) WaitEngine(ctx context.Context, id string, cond func(EngineView) bool) error {
	return WaitFor(ctx, "engine "+id, func() (bool, error) {
		var v EngineView
		err := f.API.Do("GET", "/processing/runtimes/remote-engines/"+id, nil, &v)
		return err == nil && cond(v), nil
	})
}

// AddCluster creates a cluster of the engines with a MICROSERVICE run
// profile.
func (f *Fleet) AddCluster(name string, engines ...*Engine) (string, error) {
	var c struct {
		ID string `json:"id"`
	}
	const path = "/processing/runtimes/remote-engine-clusters"
	if err := f.API.Do("POST", path, map[string]any{"name": name, "environmentId": f.Env}, &c); err != nil {
		return "", err
	}
	for _, e := range engines {
		if err := f.API.Do("PUT", path+"/"+c.ID+"/engines/"+e.ID, nil, nil); err != nil {
			return "", err
		}
	}
	return c.ID, f.API.Do("POST", path+"/"+c.ID+"/run-profiles", map[string]any{"name": "services", "type": state.RunProfileMicroservice}, nil)
}

// AddEngineProfile gives a single engine a run profile of typ.
func (f *Fleet) AddEngineProfile(engineID, typ string) error {
	return f.API.Do("POST", "/processing/runtimes/remote-engines/"+engineID+"/run-profiles", map[string]any{"name": "services-" + typ, "type": typ}, nil)
}

// PublishService uploads versions of a data-service microservice artifact
// and returns its ID.
func (f *Fleet) PublishService(name string, versions ...string) (string, error) {
	var id string
	for _, v := range versions {
		archive, err := executionstest.Archive(executionstest.ServiceManifest(name, v, state.ArtifactDataService, state.BinaryMicroservice),
			map[string]string{"serve.sh": "#!/bin/sh\n"})
		if err != nil {
			return "", err
		}
		var pub state.ArtifactPublishResult
		if err := f.API.Do("POST", "/orchestration/artifacts", archive, &pub); err != nil {
			return "", err
		}
		id = pub.ID
	}
	return id, nil
}

// ServiceTask creates a task of the artifact's version with a run config.
func (f *Fleet) ServiceTask(name, artifactID, version string, runConfig map[string]any) (string, error) {
	var t state.Task
	if err := f.API.Do("POST", "/orchestration/executables/tasks", map[string]any{"name": name, "workspaceId": f.Workspace,
		"artifact": map[string]any{"id": artifactID, "version": version}}, &t); err != nil {
		return "", err
	}
	return t.ID, f.API.Do("PUT", "/orchestration/executables/tasks/"+t.ID+"/run-config", runConfig, nil)
}

// SetVersion points a task at another artifact version.
func (f *Fleet) SetVersion(taskID, version string) error {
	return f.API.Do("PATCH", "/orchestration/executables/tasks/"+taskID, map[string]any{"artifact": map[string]any{"version": version}}, nil)
}

// Deployment is a deployment record as the API shows it.
type Deployment struct {
	DeploymentID    string                      `json:"deploymentId"`
	EngineID        string                      `json:"engineId"`
	EngineName      string                      `json:"engineName"`
	Status          string                      `json:"status"`
	SubStatus       string                      `json:"subStatus"`
	ArtifactVersion string                      `json:"artifactVersion"`
	Port            int                         `json:"port"`
	Healthy         bool                        `json:"healthy"`
	Message         string                      `json:"message"`
	DeployedBy      string                      `json:"deployedBy"`
	Start           time.Time                   `json:"start"`
	Stop            time.Time                   `json:"stop"`
	MetricsStale    bool                        `json:"metricsStale"`
	Metrics         *protocol.DeploymentMetrics `json:"metrics"`
}

// Deployments lists a task's current records.
func (f *Fleet) Deployments(taskID string) ([]Deployment, error) {
	var out []Deployment
	return out, f.API.Do("GET", "/orchestration/executables/tasks/"+taskID+"/deployments", nil, &out)
}

// Rollout is a rollout as the API shows it.
type Rollout struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Phase   string `json:"phase"`
	Message string `json:"message"`
	// ProgressDeadlineSeconds is the per-engine deadline the rollout runs with.
	ProgressDeadlineSeconds float64 `json:"progressDeadlineSeconds"`
}

// LastRollout is a task's newest rollout.
func (f *Fleet) LastRollout(taskID string) (Rollout, error) {
	var out []Rollout
	if err := f.API.Do("GET", "/orchestration/executables/tasks/"+taskID+"/rollouts", nil, &out); err != nil {
		return Rollout{}, err
	}
	if len(out) == 0 {
		return Rollout{}, fmt.Errorf("task %s has no rollout", taskID)
	}
	return out[0], nil
}

// WaitRollout waits until the task's newest rollout leaves IN_PROGRESS.
func (f *Fleet) WaitRollout(ctx context.Context, taskID string) (Rollout, error) {
	var r Rollout
	err := WaitFor(ctx, "rollout of task "+taskID, func() (bool, error) {
		var err error
		r, err = f.LastRollout(taskID)
		return err == nil && r.Status != state.RolloutInProgress, nil
	})
	return r, err
}

// WaitFor polls cond every 10 ms until it holds, fails or ctx ends.
func WaitFor(ctx context.Context, what string, cond func() (bool, error)) error {
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: not in time: %w", what, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
