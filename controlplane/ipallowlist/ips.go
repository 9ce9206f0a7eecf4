package ipallowlist

import (
	"net/http"
	"slices"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func (h *Handlers) listIPs(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	l, err := h.current(r)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, append([]state.IPEntry{}, l.IPs...))
	return nil
}

// entriesAnswer writes the entries of l named by ids.
func entriesAnswer(w http.ResponseWriter, status int, l *state.IPAllowlist, ids []string) {
	out := []state.IPEntry{}
	for _, e := range l.IPs {
		if slices.Contains(ids, e.ID) {
			out = append(out, e)
		}
	}
	api.WriteJSON(w, status, out)
}

// addIPs appends entries: 201 with the created entries.
func (h *Handlers) addIPs(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in []entryInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if len(in) == 0 {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "give at least one IP")
	}
	add := newEntries(in)
	var l state.IPAllowlist
	if err := api.Propose(r, h.store, state.CmdIPAllowlistAddIPs, add, &l); err != nil {
		return err
	}
	var ids []string
	for _, e := range add {
		ids = append(ids, e.ID)
	}
	entriesAnswer(w, http.StatusCreated, &l, ids)
	return nil
}

// editIPs updates the entries named by their IDs, all or none: 200.
func (h *Handlers) editIPs(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in []entryInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if len(in) == 0 {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "give at least one IP entry")
	}
	l, ids, err := h.edit(r, in)
	if err != nil {
		return err
	}
	entriesAnswer(w, http.StatusOK, l, ids)
	return nil
}

// edit replaces the entries named by ID; an entry sent without a
// description keeps the one it has.
func (h *Handlers) edit(r *http.Request, in []entryInput) (*state.IPAllowlist, []string, error) {
	cur, err := h.current(r)
	if err != nil {
		return nil, nil, err
	}
	edits := []state.IPEntry{}
	var ids []string
	for _, e := range in {
		if e.ID == "" {
			return nil, nil, api.Errorf(http.StatusBadRequest, api.CodeInvalid, "every entry needs its id")
		}
		desc := ""
		if e.Description != nil {
			desc = *e.Description
		} else if i := slices.IndexFunc(cur.IPs, func(x state.IPEntry) bool { return x.ID == e.ID }); i >= 0 {
			desc = cur.IPs[i].Description
		}
		edits = append(edits, state.IPEntry{ID: e.ID, IP: e.IP, Description: desc})
		ids = append(ids, e.ID)
	}
	var l state.IPAllowlist
	if err := api.Propose(r, h.store, state.CmdIPAllowlistEditIPs, edits, &l); err != nil {
		return nil, nil, err
	}
	return &l, ids, nil
}

func (h *Handlers) getIP(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	l, err := h.current(r)
	if err != nil {
		return err
	}
	for _, e := range l.IPs {
		if e.ID == ps.ByName("id") {
			api.WriteJSON(w, http.StatusOK, e)
			return nil
		}
	}
	return api.NotFound("ip entry", ps.ByName("id"))
}

// editIP replaces one entry's address (and description): 200.
func (h *Handlers) editIP(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	var in entryInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if in.ID != "" && in.ID != ps.ByName("id") {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "the body's id differs from the path's")
	}
	in.ID = ps.ByName("id")
	l, _, err := h.edit(r, []entryInput{in})
	if err != nil {
		return err
	}
	for _, e := range l.IPs {
		if e.ID == in.ID {
			api.WriteJSON(w, http.StatusOK, e)
		}
	}
	return nil
}

func (h *Handlers) deleteIP(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdIPAllowlistDelIP, state.IDRequest{ID: ps.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
