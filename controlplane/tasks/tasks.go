package tasks

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Handlers serves /orchestration/executables/tasks.
type Handlers struct {
	store api.Store
	execs *executions.Service
}

// Register adds the task endpoints to rt.
func Register(rt *api.Router, s api.Store, execs *executions.Service) {
	h := &Handlers{store: s, execs: execs}
	const base = "/orchestration/executables/tasks"
	rt.Handle("GET", base, h.list)
	rt.Handle("POST", base, h.create)
	rt.Handle("GET", base+"/:id", h.get)
	rt.Handle("PATCH", base+"/:id", h.update)
	rt.Handle("DELETE", base+"/:id", h.delete)
	rt.Handle("GET", base+"/:id/run-config", h.getRunConfig)
	rt.Handle("PUT", base+"/:id/run-config", h.putRunConfig)
	rt.Handle("POST", base+"/:id/pause", h.pause)
	rt.Handle("POST", base+"/:id/resume", h.resume)
	rt.Handle("POST", base+"/:id/move", h.move)
	rt.Handle("POST", base+"/:id/run", h.run)
	rt.Handle("GET", base+"/:id/executions", h.executions)
}

type artifactRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

type taskInput struct {
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	EnvironmentID      string            `json:"environmentId"`
	WorkspaceID        string            `json:"workspaceId"`
	Artifact           artifactRef       `json:"artifact"`
	AlwaysLatest       bool              `json:"alwaysLatest"`
	OverrideParameters bool              `json:"overrideParametersWithArtifactDefaults"`
	Parameters         map[string]string `json:"parameters"`
	Connections        map[string]string `json:"connections"`
	Resources          map[string]string `json:"resources"`
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in taskInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if !state.IsObjectID(in.WorkspaceID) || !state.IsObjectID(in.Artifact.ID) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "workspaceId and artifact.id are required 24-hex IDs")
	}
	if in.Artifact.Version == "" && !in.AlwaysLatest {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "artifact.version is required unless alwaysLatest is true")
	}
	if err := api.RequireRight(r, in.WorkspaceID, state.WsAuthor); err != nil {
		return err
	}
	t := state.Task{ID: state.NewObjectID(), Name: in.Name, Description: in.Description, EnvironmentID: in.EnvironmentID,
		WorkspaceID: in.WorkspaceID, ArtifactID: in.Artifact.ID, ArtifactVersion: in.Artifact.Version, AlwaysLatest: in.AlwaysLatest,
		OverrideParameters: in.OverrideParameters, Parameters: in.Parameters, Connections: in.Connections, Resources: in.Resources}
	var out state.Task
	if err := api.Propose(r, h.store, state.CmdTaskCreate, t, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, offset, err := api.PageParams(q, 100)
	if err != nil {
		return err
	}
	matched := []*state.Task{}
	for _, t := range state.Tasks(txn) {
		if (q.Get("workspaceId") != "" && q.Get("workspaceId") != t.WorkspaceID) ||
			(q.Get("environmentId") != "" && q.Get("environmentId") != t.EnvironmentID) ||
			(q.Get("name") != "" && q.Get("name") != t.Name) || (q.Get("artifactId") != "" && q.Get("artifactId") != t.ArtifactID) ||
			!api.CanView(r, t.WorkspaceID) {
			continue
		}
		matched = append(matched, t)
	}
	api.WriteJSON(w, http.StatusOK, api.PageOf(matched, limit, offset))
	return nil
}

func (h *Handlers) task(r *http.Request, p httprouter.Params) (*state.Task, error) {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return nil, err
	}
	t := state.TaskByID(txn, p.ByName("id"))
	if t == nil {
		return nil, api.NotFound("task", p.ByName("id"))
	}
	if err := api.RequireView(r, t.WorkspaceID); err != nil {
		return nil, err
	}
	return t, nil
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	t, err := h.task(r, p)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, t)
	return nil
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in struct {
		Name               *string            `json:"name"`
		Description        *string            `json:"description"`
		Artifact           *artifactRef       `json:"artifact"`
		AlwaysLatest       *bool              `json:"alwaysLatest"`
		OverrideParameters *bool              `json:"overrideParametersWithArtifactDefaults"`
		Parameters         *map[string]string `json:"parameters"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if err := h.checkTask(r, p, state.WsAuthor); err != nil {
		return err
	}
	req := state.TaskUpdate{ID: p.ByName("id"), Name: in.Name, Description: in.Description, AlwaysLatest: in.AlwaysLatest,
		OverrideParameters: in.OverrideParameters, Parameters: in.Parameters}
	if in.Artifact != nil {
		if t := state.TaskByID(h.store.Read(), req.ID); t != nil && in.Artifact.ID != "" && in.Artifact.ID != t.ArtifactID {
			return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "a task's artifact cannot change; create another task")
		}
		req.ArtifactVersion = &in.Artifact.Version
	}
	var out state.Task
	if err := api.Propose(r, h.store, state.CmdTaskUpdate, req, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := h.checkTask(r, p, state.WsAuthor); err != nil {
		return err
	}
	if err := api.Propose(r, h.store, state.CmdTaskDelete, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) executions(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if _, err := h.task(r, p); err != nil {
		return err
	}
	return h.execs.TaskExecutions(w, r, p.ByName("id"))
}

func (h *Handlers) run(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in executions.RunInput
	if r.ContentLength != 0 {
		if err := api.Decode(w, r, &in); err != nil {
			return err
		}
	}
	if in.Executable != "" && in.Executable != p.ByName("id") {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "executable differs from the task in the path")
	}
	in.Executable = p.ByName("id")
	return h.execs.Run(w, r, in)
}
