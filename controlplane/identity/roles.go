package identity

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func (h *Handlers) registerRoles(rt *api.Router) {
	rt.Handle("GET", "/account/permissions", h.listPermissions)
	rt.Handle("GET", "/account/roles", h.listRoles)
	rt.Handle("POST", "/account/roles", h.createRole)
	rt.Handle("GET", "/account/roles/:id", h.getRole)
	rt.Handle("PUT", "/account/roles/:id", h.updateRole)
	rt.Handle("DELETE", "/account/roles/:id", h.deleteRole)
}

// roleView adds the role's holders and whether it takes a seat.
type roleView struct {
	*state.Role
	Users        []string `json:"users"`
	ConsumesSeat bool     `json:"consumesSeat"`
}

func roleViewOf(txn state.Reader, role *state.Role) roleView {
	v := roleView{Role: role, Users: []string{}}
	perms := map[string]bool{}
	for _, p := range role.Permissions {
		perms[p] = true
	}
	v.ConsumesSeat = state.ConsumesSeat(perms)
	for _, u := range state.Users(txn) {
		for _, id := range u.Roles {
			if id == role.ID {
				v.Users = append(v.Users, u.ID)
			}
		}
	}
	return v
}

func (h *Handlers) listPermissions(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) error {
	api.WriteJSON(w, http.StatusOK, state.KnownPermissions())
	return nil
}

func (h *Handlers) listRoles(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	out := []roleView{}
	for _, role := range state.Roles(txn) {
		out = append(out, roleViewOf(txn, role))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) getRole(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	role := state.RoleByID(txn, ps.ByName("id"))
	if role == nil {
		return api.NotFound("role", ps.ByName("id"))
	}
	api.WriteJSON(w, http.StatusOK, roleViewOf(txn, role))
	return nil
}

type roleInput struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Permissions *[]string `json:"permissions"`
}

func (h *Handlers) createRole(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in roleInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	role := state.Role{ID: state.NewObjectID()}
	if in.Name != nil {
		role.Name = *in.Name
	}
	if in.Description != nil {
		role.Description = *in.Description
	}
	if in.Permissions != nil {
		role.Permissions = *in.Permissions
	}
	if err := requireHeld(r, role.Permissions, nil); err != nil {
		return err
	}
	var out state.Role
	if err := api.Propose(r, h.store, state.CmdRoleCreate, role, &out); err != nil {
		return err
	}
	w.Header().Set("Location", "/account/roles/"+out.ID)
	api.WriteJSON(w, http.StatusCreated, roleViewOf(h.store.Read(), &out))
	return nil
}

func (h *Handlers) updateRole(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	var in roleInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if in.Permissions != nil {
		txn, err := h.reader(r)
		if err != nil {
			return err
		}
		var already []string
		if cur := state.RoleByID(txn, ps.ByName("id")); cur != nil {
			already = cur.Permissions
		}
		if err := requireHeld(r, *in.Permissions, already); err != nil {
			return err
		}
	}
	req := state.RoleUpdate{ID: ps.ByName("id"), Name: in.Name, Description: in.Description,
		Permissions: in.Permissions, SeatLimit: h.opts.License.Seats}
	var out state.Role
	if err := api.Propose(r, h.store, state.CmdRoleUpdate, req, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, roleViewOf(h.store.Read(), &out))
	return nil
}

func (h *Handlers) deleteRole(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdRoleDelete, state.IDRequest{ID: ps.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
