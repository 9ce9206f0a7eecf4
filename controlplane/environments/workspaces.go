package environments

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func (h *Handlers) listWorkspaces(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var list []*state.Workspace
	if envID := q.Get("environmentId"); envID != "" {
		if err := checkObjectID("environmentId", envID); err != nil {
			return err
		}
		list = state.WorkspacesIn(txn, envID)
	} else {
		list = state.Workspaces(txn)
	}
	out := []*state.Workspace{}
	for _, ws := range list {
		if (q.Get("name") == "" || q.Get("name") == ws.Name) && (q.Get("type") == "" || q.Get("type") == ws.Type) {
			out = append(out, ws)
		}
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) createWorkspace(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in struct {
		Name          string `json:"name"`
		EnvironmentID string `json:"environmentId"`
		Owner         string `json:"owner"`
		Description   string `json:"description"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if err := checkObjectID("environmentId", in.EnvironmentID); err != nil {
		return err
	}
	if err := checkUserID("owner", in.Owner); err != nil {
		return err
	}
	req := state.Workspace{ID: state.NewObjectID(), Name: in.Name, EnvironmentID: in.EnvironmentID,
		OwnerID: in.Owner, Description: in.Description}
	var ws state.Workspace
	if err := api.Propose(r, h.store, state.CmdWorkspaceCreate, req, &ws); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, ws)
	return nil
}

func (h *Handlers) getWorkspace(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	ws := state.WorkspaceByID(txn, p.ByName("id"))
	if ws == nil {
		return api.NotFound("workspace", p.ByName("id"))
	}
	api.WriteJSON(w, http.StatusOK, ws)
	return nil
}

func (h *Handlers) updateWorkspace(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		Owner       *string `json:"owner"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if in.Owner != nil {
		if err := checkUserID("owner", *in.Owner); err != nil {
			return err
		}
	}
	req := state.WorkspaceUpdate{ID: p.ByName("id"), Name: in.Name, Description: in.Description, OwnerID: in.Owner}
	var ws state.Workspace
	if err := api.Propose(r, h.store, state.CmdWorkspaceUpdate, req, &ws); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, ws)
	return nil
}

func (h *Handlers) deleteWorkspace(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdWorkspaceDelete, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
