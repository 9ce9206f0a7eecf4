package environments

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// workspaceView is a workspace as Talend's Workspaceinfo shows it, with
// its environment (Environmentinfo) inline; environmentId and createdAt
// are Roundhouse's additions.
type workspaceView struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Description   string          `json:"description"`
	Owner         string          `json:"owner"`
	Type          string          `json:"type"`
	EnvironmentID string          `json:"environmentId"`
	Environment   environmentInfo `json:"environment"`
	CreatedAt     time.Time       `json:"createdAt"`
}

// environmentInfo is Talend's Environmentinfo. Its description is left
// out of lists, as Talend's reference says.
type environmentInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Default     bool   `json:"default"`
}

func workspaceViewOf(txn state.Reader, ws *state.Workspace, inList bool) workspaceView {
	v := workspaceView{ID: ws.ID, Name: ws.Name, Description: ws.Description, Owner: ws.OwnerID, Type: ws.Type,
		EnvironmentID: ws.EnvironmentID, Environment: environmentInfo{ID: ws.EnvironmentID}, CreatedAt: ws.CreatedAt}
	if env := state.EnvironmentByID(txn, ws.EnvironmentID); env != nil {
		v.Environment.Name, v.Environment.Default = env.Name, env.Default
		if !inList {
			v.Environment.Description = env.Description
		}
	}
	return v
}

// writeWorkspace answers status with the workspace as stored after a
// change, read back for its environment.
func (h *Handlers) writeWorkspace(w http.ResponseWriter, status int, ws *state.Workspace) {
	api.WriteJSON(w, status, workspaceViewOf(h.store.Read(), ws, false))
}

func (h *Handlers) listWorkspaces(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f, err := parseWorkspaceFilter(r.URL.Query())
	if err != nil {
		return err
	}
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	list := state.Workspaces(txn)
	if envID, ok := f["environment.id"]; ok {
		if err := checkObjectID("environmentId", envID); err != nil {
			return err
		}
		list = state.WorkspacesIn(txn, envID)
	}
	out := []workspaceView{}
	for _, ws := range list {
		if v := workspaceViewOf(txn, ws, true); f.matches(v) {
			out = append(out, v)
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
	h.writeWorkspace(w, http.StatusCreated, &ws)
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
	api.WriteJSON(w, http.StatusOK, workspaceViewOf(txn, ws, false))
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
	h.writeWorkspace(w, http.StatusOK, &ws)
	return nil
}

func (h *Handlers) deleteWorkspace(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdWorkspaceDelete, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
