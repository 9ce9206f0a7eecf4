package identity

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func (h *Handlers) registerGroups(rt *api.Router) {
	rt.Handle("GET", "/account/groups", h.listGroups)
	rt.Handle("POST", "/account/groups", h.createGroup)
	rt.Handle("GET", "/account/groups/:id", h.getGroup)
	rt.Handle("PUT", "/account/groups/:id", h.updateGroup)
	rt.Handle("DELETE", "/account/groups/:id", h.deleteGroup)
}

// groupInput has no roles field on purpose: roles are never assigned to
// groups, and the strict decoder refuses one with a 400.
type groupInput struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Members     *[]string `json:"members"`
}

func (in groupInput) check() error {
	if in.Members == nil {
		return nil
	}
	for _, id := range *in.Members {
		if err := checkUUID("member", id); err != nil {
			return err
		}
	}
	return nil
}

func (h *Handlers) listGroups(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	out := state.Groups(txn)
	if out == nil {
		out = []*state.Group{}
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) getGroup(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	g := state.GroupByID(txn, ps.ByName("id"))
	if g == nil {
		return api.NotFound("group", ps.ByName("id"))
	}
	api.WriteJSON(w, http.StatusOK, g)
	return nil
}

func (h *Handlers) createGroup(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in groupInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	g := state.Group{ID: state.NewObjectID()}
	if in.Name != nil {
		g.Name = *in.Name
	}
	if in.Description != nil {
		g.Description = *in.Description
	}
	if in.Members != nil {
		g.Members = *in.Members
	}
	var out state.Group
	if err := api.Propose(r, h.store, state.CmdGroupCreate, g, &out); err != nil {
		return err
	}
	w.Header().Set("Location", "/account/groups/"+out.ID)
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handlers) updateGroup(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	var in groupInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	req := state.GroupUpdate{ID: ps.ByName("id"), Name: in.Name, Description: in.Description, Members: in.Members}
	var out state.Group
	if err := api.Propose(r, h.store, state.CmdGroupUpdate, req, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) deleteGroup(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdGroupDelete, state.IDRequest{ID: ps.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
