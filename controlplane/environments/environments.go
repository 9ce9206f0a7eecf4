package environments

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Handlers serves the environment and workspace endpoints.
type Handlers struct {
	store api.Store
}

// Register adds the endpoints to rt.
func Register(rt *api.Router, s api.Store) {
	h := &Handlers{store: s}
	rt.Handle("GET", "/orchestration/environments", h.listEnvironments)
	rt.Handle("POST", "/orchestration/environments", h.createEnvironment)
	rt.Handle("GET", "/orchestration/environments/:id", h.getEnvironment)
	rt.Handle("PATCH", "/orchestration/environments/:id", h.updateEnvironment)
	rt.Handle("DELETE", "/orchestration/environments/:id", h.deleteEnvironment)
	rt.Handle("GET", "/orchestration/workspaces", h.listWorkspaces)
	rt.Handle("POST", "/orchestration/workspaces", h.createWorkspace)
	rt.Handle("GET", "/orchestration/workspaces/:id", h.getWorkspace)
	rt.Handle("PATCH", "/orchestration/workspaces/:id", h.updateWorkspace)
	rt.Handle("DELETE", "/orchestration/workspaces/:id", h.deleteWorkspace)
}

func (h *Handlers) listEnvironments(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	out := []*state.Environment{}
	for _, env := range state.Environments(txn) {
		if name := r.URL.Query().Get("name"); name != "" && name != env.Name {
			continue
		}
		out = append(out, env)
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

type workspaceInput struct {
	Name        string `json:"name"`
	Owner       string `json:"owner"`
	Description string `json:"description"`
}

type environmentInput struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Workspace   *workspaceInput `json:"workspace"`
}

// createEnvironment creates an environment with its first workspace
// (named by "workspace", "Shared" when omitted), as the product does.
func (h *Handlers) createEnvironment(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in environmentInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	ws := workspaceInput{Name: state.SharedWorkspaceName}
	if in.Workspace != nil {
		ws = *in.Workspace
	}
	if err := checkUserID("workspace.owner", ws.Owner); err != nil {
		return err
	}
	req := state.EnvironmentCreateRequest{
		Environment: state.Environment{ID: state.NewObjectID(), Name: in.Name, Description: in.Description},
		Workspace:   state.Workspace{ID: state.NewObjectID(), Name: ws.Name, OwnerID: ws.Owner, Description: ws.Description},
	}
	var env state.Environment
	if err := api.Propose(r, h.store, state.CmdEnvironmentCreate, req, &env); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, env)
	return nil
}

func (h *Handlers) getEnvironment(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	env := state.EnvironmentByID(txn, p.ByName("id"))
	if env == nil {
		return api.NotFound("environment", p.ByName("id"))
	}
	api.WriteJSON(w, http.StatusOK, env)
	return nil
}

func (h *Handlers) updateEnvironment(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	var env state.Environment
	req := state.EnvironmentUpdate{ID: p.ByName("id"), Name: in.Name, Description: in.Description}
	if err := api.Propose(r, h.store, state.CmdEnvironmentUpdate, req, &env); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, env)
	return nil
}

func (h *Handlers) deleteEnvironment(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdEnvironmentDelete, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func checkUserID(field, id string) error {
	if id != "" && !state.IsUUID(id) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "%s must be a user ID (UUID), got %q", field, id)
	}
	return nil
}

func checkObjectID(field, id string) error {
	if !state.IsObjectID(id) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "%s must be a 24-hex ID, got %q", field, id)
	}
	return nil
}
