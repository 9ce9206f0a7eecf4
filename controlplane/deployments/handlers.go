package deployments

import (
	"net/http"
	"sort"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// Handlers serves the deployment endpoints of service tasks.
type Handlers struct {
	store api.Store
	cfg   Config
}

// Register adds the deployment endpoints to rt.
func Register(rt *api.Router, s api.Store, cfg Config) {
	h := &Handlers{store: s, cfg: cfg.WithDefaults()}
	const base = "/orchestration/executables/tasks/:id"
	rt.Handle("POST", base+"/deploy", h.deploy)
	rt.Handle("POST", base+"/undeploy", h.undeploy)
	rt.Handle("GET", base+"/deployments", h.list)
	rt.Handle("GET", base+"/deployments/history", h.history)
	rt.Handle("GET", base+"/rollouts", h.rollouts)
}

type engineInput struct {
	EngineID string `json:"engineId"`
}

// task reads the path's task and checks the caller's right on its
// workspace ("" for any right: a read).
func (h *Handlers) task(r *http.Request, p httprouter.Params, right string) (state.Reader, *state.Task, error) {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return nil, nil, err
	}
	t := state.TaskByID(txn, p.ByName("id"))
	if t == nil {
		return nil, nil, api.NotFound("task", p.ByName("id"))
	}
	check := api.RequireView(r, t.WorkspaceID)
	if right != "" {
		check = api.RequireRight(r, t.WorkspaceID, right)
	}
	if check != nil {
		return nil, nil, check
	}
	return txn, t, nil
}

func decodeEngine(w http.ResponseWriter, r *http.Request) (engineInput, error) {
	var in engineInput
	if r.ContentLength != 0 {
		if err := api.Decode(w, r, &in); err != nil {
			return in, err
		}
	}
	return in, nil
}

func (h *Handlers) deploy(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	in, err := decodeEngine(w, r)
	if err != nil {
		return err
	}
	_, t, err := h.task(r, p, state.WsExecute)
	if err != nil {
		return err
	}
	var out state.Rollout
	req := state.RolloutStartRequest{RolloutID: state.NewObjectID(), TaskID: t.ID, EngineID: in.EngineID}
	if err := api.Propose(r, h.store, state.CmdRolloutStart, req, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusAccepted, out)
	return nil
}

func (h *Handlers) undeploy(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	in, err := decodeEngine(w, r)
	if err != nil {
		return err
	}
	_, t, err := h.task(r, p, state.WsExecute)
	if err != nil {
		return err
	}
	req := state.DeploymentUndeployRequest{TaskID: t.ID, EngineID: in.EngineID}
	if rc := t.RunConfig; rc != nil && rc.ShutdownDelaySeconds != nil {
		req.ShutdownDelay = time.Duration(*rc.ShutdownDelaySeconds) * time.Second
	}
	var out state.DeploymentUndeployResult
	if err := api.Propose(r, h.store, state.CmdDeploymentUndeploy, req, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusAccepted, out)
	return nil
}

// DeploymentView is one deployment as the API shows it, without the
// record's internals.
type DeploymentView struct {
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
	// MetricsStale: running with a metric path and no metrics record for
	// longer than the staleness limit (20 minutes).
	MetricsStale bool      `json:"metricsStale"`
	UpdatedAt    time.Time `json:"updatedAt,omitzero"`
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, t, err := h.task(r, p, "")
	if err != nil {
		return err
	}
	if !state.TaskIsService(txn, t) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "task %q runs a job: it has executions, not deployments", t.Name)
	}
	api.WriteJSON(w, http.StatusOK, h.current(txn, t, time.Now()))
	return nil
}

// current lists one record per engine of the task's engine or cluster
// (NEVER_DEPLOYED where it never was), and any other engine that still
// has one.
func (h *Handlers) current(txn state.Reader, t *state.Task, now time.Time) []DeploymentView {
	records := map[string]*state.Deployment{}
	for _, d := range state.DeploymentsOfTask(txn, t.ID) {
		records[d.EngineID] = d
	}
	var engines []*state.Engine
	if rc := t.RunConfig; rc != nil && rc.Runtime.Type == state.RuntimeEngineCluster {
		engines = state.EnginesInCluster(txn, rc.Runtime.ID)
	} else if rc != nil {
		if e := state.EngineByID(txn, rc.Runtime.ID); e != nil {
			engines = append(engines, e)
		}
	}
	out := []DeploymentView{}
	seen := map[string]bool{}
	for _, e := range engines {
		seen[e.ID] = true
		d := records[e.ID]
		if d == nil {
			d = &state.Deployment{TaskID: t.ID, EngineID: e.ID, Status: protocol.DeployNeverDeployed}
		}
		out = append(out, h.view(txn, d, metricPath(t), now))
	}
	for id, d := range records {
		if !seen[id] {
			out = append(out, h.view(txn, d, metricPath(t), now))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].EngineName+out[i].EngineID < out[j].EngineName+out[j].EngineID })
	return out
}

func metricPath(t *state.Task) string {
	if t.RunConfig == nil || t.RunConfig.MetricPath == nil {
		return ""
	}
	return *t.RunConfig.MetricPath
}

func (h *Handlers) view(txn state.Reader, d *state.Deployment, metricPath string, now time.Time) DeploymentView {
	v := DeploymentView{DeploymentID: d.DeploymentID, TaskID: d.TaskID, EngineID: d.EngineID, Status: d.Status, SubStatus: d.SubStatus,
		ArtifactVersion: d.ArtifactVersion, Port: d.Port, Healthy: d.Healthy, Message: d.Message, DeployedBy: d.DeployedBy,
		Start: d.Start, Stop: d.Stop, RolloutID: d.RolloutID, Metrics: d.Metrics, MetricsTime: d.MetricsTime, UpdatedAt: d.UpdatedAt}
	if e := state.EngineByID(txn, d.EngineID); e != nil {
		v.EngineName = e.Name
	}
	if d.Status == protocol.DeployRunning && metricPath != "" {
		last := d.MetricsTime
		if last.IsZero() {
			last = d.Start
		}
		v.MetricsStale = now.Sub(last) > h.cfg.MetricsStaleAfter
	}
	return v
}

func (h *Handlers) history(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, t, err := h.task(r, p, "")
	if err != nil {
		return err
	}
	out := []DeploymentView{}
	for _, d := range state.DeploymentHistory(txn, t.ID) {
		out = append(out, h.view(txn, d, "", time.Now()))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) rollouts(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, t, err := h.task(r, p, "")
	if err != nil {
		return err
	}
	rs := state.RolloutsOfTask(txn, t.ID)
	sort.Slice(rs, func(i, j int) bool { return rs[i].CreatedAt.After(rs[j].CreatedAt) })
	out := make([]rolloutView, 0, len(rs))
	for _, ro := range rs {
		out = append(out, newRolloutView(ro))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// rolloutView shows a rollout with its durations in seconds, named like
// the run-config fields they come from; the shadowing nil fields hide the
// record's nanosecond durations.
type rolloutView struct {
	*state.Rollout
	MinHealthy              *struct{} `json:"minHealthy,omitempty"`
	Deadline                *struct{} `json:"progressDeadline,omitempty"`
	ShutdownDelay           *struct{} `json:"shutdownDelay,omitempty"`
	MinHealthySeconds       float64   `json:"minHealthySeconds"`
	ProgressDeadlineSeconds float64   `json:"progressDeadlineSeconds"`
	ShutdownDelaySeconds    float64   `json:"shutdownDelaySeconds"`
}

func newRolloutView(r *state.Rollout) rolloutView {
	return rolloutView{Rollout: r, MinHealthySeconds: r.MinHealthy.Seconds(),
		ProgressDeadlineSeconds: r.Deadline.Seconds(), ShutdownDelaySeconds: r.ShutdownDelay.Seconds()}
}
