package engines

import (
	"net/http"
	"strconv"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const runProfilesPath = "/processing/runtimes/run-profiles"

func registerRunProfiles(rt *api.Router, h *Handlers) {
	rt.Handle("GET", runProfilesPath+"/:id", h.getRunProfile)
	rt.Handle("DELETE", runProfilesPath+"/:id", h.deleteRunProfile)
}

// listRunProfiles serves .../remote-engines/:id/run-profiles and
// .../remote-engine-clusters/:id/run-profiles alike.
func (h *Handlers) listRunProfiles(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	id := p.ByName("id")
	if state.EngineByID(txn, id) == nil && state.EngineClusterByID(txn, id) == nil {
		return api.NotFound("engine or engine cluster", id)
	}
	out := state.RunProfilesOf(txn, id)
	if out == nil {
		out = []*state.RunProfile{}
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) createRunProfile(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in struct {
		Name        string               `json:"name"`
		Description string               `json:"description"`
		Type        string               `json:"type"`
		Limits      state.ResourceLimits `json:"limits"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	req := state.RunProfile{ID: state.NewObjectID(), Name: in.Name, Description: in.Description,
		Type: in.Type, RuntimeID: p.ByName("id"), Limits: in.Limits}
	var out state.RunProfile
	if err := api.Propose(r, h.store, state.CmdRunProfileCreate, req, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handlers) getRunProfile(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	rp := state.RunProfileByID(txn, p.ByName("id"))
	if rp == nil {
		return api.NotFound("run profile", p.ByName("id"))
	}
	api.WriteJSON(w, http.StatusOK, rp)
	return nil
}

func (h *Handlers) deleteRunProfile(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdRunProfileDelete, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
