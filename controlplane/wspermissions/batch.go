package wspermissions

import (
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// PermissionResult is the per-item result of a 207 answer of Talend's
// workspace permissions API.
type PermissionResult struct {
	Status     int        `json:"status"`
	Message    string     `json:"message"`
	Permission Permission `json:"permission"`
}

// PermissionID names one record in a PermissionDeleteResult.
type PermissionID struct {
	WorkspaceID string `json:"workspaceId"`
	UserID      string `json:"userId"`
}

// PermissionDeleteResult is the per-item result of a batch delete.
type PermissionDeleteResult struct {
	Status       int          `json:"status"`
	Message      string       `json:"message"`
	PermissionID PermissionID `json:"permissionId"`
}

// batchItem accepts serviceAccountId as well as the schema's userId in
// service-account batches.
type batchItem struct {
	WorkspaceID      string   `json:"workspaceId"`
	UserID           string   `json:"userId"`
	ServiceAccountID string   `json:"serviceAccountId"`
	Permissions      []string `json:"permissions"`
}

// batch applies items in list order in one command: 204 when all were
// applied, else 207 listing the rejected items, each with its status.
// A rejected item changed nothing; the others are applied.
func (h *Handlers) batch(p principal, op string) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		var in []batchItem
		if err := api.Decode(w, r, &in); err != nil {
			return err
		}
		if len(in) == 0 {
			return badRequest("the batch is empty")
		}
		req := state.WsPermApplyRequest{Op: op, Kind: p.kind}
		for _, it := range in {
			id := it.UserID
			if id == "" && p.kind == state.KindServiceAccount {
				id = it.ServiceAccountID
			}
			req.Items = append(req.Items, state.PermissionItem{WorkspaceID: it.WorkspaceID, PrincipalID: id, Permissions: it.Permissions})
		}
		var outcomes []state.ItemOutcome
		if err := api.Propose(r, h.store, state.CmdWsPermApply, req, &outcomes); err != nil {
			return err
		}
		rejected := []PermissionResult{}
		for _, o := range outcomes {
			if o.Code == "" {
				continue
			}
			status, _ := api.RejectionStatus(o.Code)
			rejected = append(rejected, PermissionResult{Status: status, Message: o.Message, Permission: Permission{
				WorkspaceID: o.Item.WorkspaceID, UserID: o.Item.PrincipalID, Permissions: o.Item.Permissions}})
		}
		if len(rejected) == 0 {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		api.WriteJSON(w, http.StatusMultiStatus, rejected)
		return nil
	}
}

// listParam reads a repeated or comma-separated query parameter.
func listParam(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// batchDelete removes the intersection of principals and workspaces; an
// empty side means all (both empty is refused with 400).
func (h *Handlers) batchDelete(p principal) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		req := state.WsPermBatchDeleteRequest{Kind: p.kind, PrincipalIDs: listParam(r, p.idsQuery), WorkspaceIDs: listParam(r, "workspaceIds")}
		var refused []state.DeleteOutcome
		if err := api.Propose(r, h.store, state.CmdWsPermBatchDelete, req, &refused); err != nil {
			return err
		}
		if len(refused) == 0 {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		api.WriteJSON(w, http.StatusMultiStatus, deleteResults(req, refused))
		return nil
	}
}

// deleteResults names each refused (workspace, principal) pair in full:
// a refused principal is reported once per workspace asked for, a refused
// workspace once per principal asked for, so no permissionId comes back
// with a blank side when the request named it.
func deleteResults(req state.WsPermBatchDeleteRequest, refused []state.DeleteOutcome) []PermissionDeleteResult {
	out := []PermissionDeleteResult{}
	for _, o := range refused {
		status, _ := api.RejectionStatus(o.Code)
		pairs := []PermissionID{{WorkspaceID: o.WorkspaceID, UserID: o.PrincipalID}}
		switch {
		case o.PrincipalID != "" && len(req.WorkspaceIDs) > 0:
			pairs = pairs[:0]
			for _, ws := range req.WorkspaceIDs {
				pairs = append(pairs, PermissionID{WorkspaceID: ws, UserID: o.PrincipalID})
			}
		case o.WorkspaceID != "" && len(req.PrincipalIDs) > 0:
			pairs = pairs[:0]
			for _, id := range req.PrincipalIDs {
				pairs = append(pairs, PermissionID{WorkspaceID: o.WorkspaceID, UserID: id})
			}
		}
		for _, id := range pairs {
			out = append(out, PermissionDeleteResult{Status: status, Message: o.Message, PermissionID: id})
		}
	}
	return out
}

// search lists records matching every given criterion: 400 for a
// malformed ID, 404 for one that does not exist.
func (h *Handlers) search(p principal) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		q := r.URL.Query()
		wsID, envID, pID := q.Get("workspaceId"), q.Get("environmentId"), q.Get(p.oneQuery)
		txn, err := api.Reader(r, h.store)
		if err != nil {
			return err
		}
		if err := checkCriteria(txn, p, wsID, envID, pID); err != nil {
			return err
		}
		out := []Permission{}
		for _, rec := range state.AllWorkspacePermissions(txn) {
			if rec.PrincipalKind != p.kind || (wsID != "" && rec.WorkspaceID != wsID) || (pID != "" && rec.PrincipalID != pID) {
				continue
			}
			if envID != "" {
				if ws := state.WorkspaceByID(txn, rec.WorkspaceID); ws == nil || ws.EnvironmentID != envID {
					continue
				}
			}
			out = append(out, viewOf(rec))
		}
		api.WriteJSON(w, http.StatusOK, out)
		return nil
	}
}

func checkCriteria(txn state.Reader, p principal, wsID, envID, pID string) error {
	notFound := func(what, id string) error {
		return api.Errorf(http.StatusNotFound, api.CodeNotFound, "The environment id or the workspace id or the user id does not exist: %s %s", what, id)
	}
	for _, c := range []struct {
		name, id string
		valid    func(string) bool
		exists   func(string) bool
	}{
		{"workspaceId", wsID, state.IsObjectID, func(id string) bool { return state.WorkspaceByID(txn, id) != nil }},
		{"environmentId", envID, state.IsObjectID, func(id string) bool { return state.EnvironmentByID(txn, id) != nil }},
		{p.oneQuery, pID, state.IsUUID, func(id string) bool {
			if p.kind == state.KindUser {
				return state.UserByID(txn, id) != nil
			}
			return state.ServiceAccountByID(txn, id) != nil
		}},
	} {
		if c.id == "" {
			continue
		}
		if !c.valid(c.id) {
			return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "Invalid parameters: %s %q is malformed", c.name, c.id)
		}
		if !c.exists(c.id) {
			return notFound(c.name, c.id)
		}
	}
	return nil
}
