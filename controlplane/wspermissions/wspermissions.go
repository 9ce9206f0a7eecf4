package wspermissions

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Handlers serves the workspace permission endpoints.
type Handlers struct {
	store api.Store
}

// principal describes one family of endpoints: users or service accounts.
type principal struct {
	kind       string
	param      string // path parameter naming the principal
	idsQuery   string // batch delete query parameter
	oneQuery   string // search query parameter
	collection string // path segment
}

// The two families of endpoints.
func users() principal {
	return principal{state.KindUser, "userId", "userIds", "userId", "users"}
}

func serviceAccounts() principal {
	return principal{state.KindServiceAccount, "serviceAccountId", "serviceAccountIds", "serviceAccountId", "service-accounts"}
}

// Register adds the endpoints to rt.
func Register(rt *api.Router, s api.Store) {
	h := &Handlers{store: s}
	for _, p := range []principal{users(), serviceAccounts()} {
		one := "/security/workspaces/:workspaceId/" + p.collection + "/:" + p.param + "/permissions"
		rt.Handle("GET", one, h.getOne(p))
		rt.Handle("POST", one, h.changeOne(p, state.WsPermCreate))
		rt.Handle("PUT", one, h.changeOne(p, state.WsPermUpdate))
		rt.Handle("DELETE", one, h.changeOne(p, state.WsPermDelete))
	}
	rt.Handle("GET", "/security/permissions", h.search(users()))
	rt.Handle("POST", "/security/permissions/batch", h.batch(users(), state.WsPermCreate))
	rt.Handle("PUT", "/security/permissions/batch", h.batch(users(), state.WsPermUpdate))
	rt.Handle("DELETE", "/security/permissions/batch", h.batchDelete(users()))
	rt.Handle("GET", "/security/service-accounts/permissions", h.search(serviceAccounts()))
	rt.Handle("POST", "/security/service-accounts/permissions/batch", h.batch(serviceAccounts(), state.WsPermCreate))
	rt.Handle("PUT", "/security/service-accounts/permissions/batch", h.batch(serviceAccounts(), state.WsPermUpdate))
	rt.Handle("DELETE", "/security/service-accounts/permissions/batch", h.batchDelete(serviceAccounts()))
}

// Permission is the Permission of Talend's workspace permissions API; for
// service accounts Talend's
// schema has only userId, which carries the service account's ID.
type Permission struct {
	WorkspaceID string   `json:"workspaceId"`
	UserID      string   `json:"userId"`
	Permissions []string `json:"permissions"`
}

func viewOf(p *state.WorkspacePermission) Permission {
	return Permission{WorkspaceID: p.WorkspaceID, UserID: p.PrincipalID, Permissions: append([]string{}, p.Permissions...)}
}

func badRequest(format string, args ...any) error {
	return api.Errorf(http.StatusBadRequest, api.CodeInvalid, format, args...)
}

// checkIDs validates the form of the path IDs: "Parameters not valid".
func checkIDs(workspaceID, principalID string) error {
	if !state.IsObjectID(workspaceID) {
		return badRequest("Parameters not valid: workspaceId %q is not a workspace ID", workspaceID)
	}
	if !state.IsUUID(principalID) {
		return badRequest("Parameters not valid: %q is not a UUID", principalID)
	}
	return nil
}

func (h *Handlers) getOne(p principal) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		ws, id := ps.ByName("workspaceId"), ps.ByName(p.param)
		if err := checkIDs(ws, id); err != nil {
			return err
		}
		txn, err := api.Reader(r, h.store)
		if err != nil {
			return err
		}
		rec := state.WorkspacePermissionOf(txn, p.kind, id, ws)
		if rec == nil {
			return api.Errorf(http.StatusNotFound, api.CodeNotFound, "Permission not found")
		}
		api.WriteJSON(w, http.StatusOK, viewOf(rec))
		return nil
	}
}

// changeOne serves the unitary POST (201), PUT (204) and DELETE (204).
func (h *Handlers) changeOne(p principal, op string) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		ws, id := ps.ByName("workspaceId"), ps.ByName(p.param)
		if err := checkIDs(ws, id); err != nil {
			return err
		}
		item := state.PermissionItem{WorkspaceID: ws, PrincipalID: id}
		if op != state.WsPermDelete {
			if err := api.Decode(w, r, &item.Permissions); err != nil {
				return err
			}
		}
		req := state.WsPermApplyRequest{Op: op, Kind: p.kind, Items: []state.PermissionItem{item}, Atomic: true}
		if err := api.Propose(r, h.store, state.CmdWsPermApply, req, nil); err != nil {
			return err
		}
		if op == state.WsPermCreate {
			w.WriteHeader(http.StatusCreated)
		} else {
			w.WriteHeader(http.StatusNoContent)
		}
		return nil
	}
}
