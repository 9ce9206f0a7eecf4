package engines

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const clustersPath = "/processing/runtimes/remote-engine-clusters"

func registerClusters(rt *api.Router, h *Handlers) {
	rt.Handle("GET", clustersPath, h.listClusters)
	rt.Handle("POST", clustersPath, h.createCluster)
	rt.Handle("GET", clustersPath+"/:id", h.getCluster)
	rt.Handle("DELETE", clustersPath+"/:id", h.deleteCluster)
	rt.Handle("PUT", clustersPath+"/:id/engines/:engineId", h.addClusterEngine)
	rt.Handle("DELETE", clustersPath+"/:id/engines/:engineId", h.removeClusterEngine)
	rt.Handle("GET", clustersPath+"/:id/run-profiles", h.listRunProfiles)
	rt.Handle("POST", clustersPath+"/:id/run-profiles", h.createRunProfile)
}

// clusterView is an engine cluster with its "N/M engines available".
type clusterView struct {
	*state.EngineCluster
	Availability     string              `json:"availability"`
	Engines          []engineView        `json:"engines"`
	AvailableEngines int                 `json:"availableEngines"`
	TotalEngines     int                 `json:"totalEngines"`
	Summary          string              `json:"summary"`
	RunProfiles      []*state.RunProfile `json:"runProfiles"`
}

func clusterViewOf(txn state.Reader, c *state.EngineCluster) clusterView {
	v := clusterView{EngineCluster: c, Engines: []engineView{}, RunProfiles: state.RunProfilesOf(txn, c.ID)}
	if v.RunProfiles == nil {
		v.RunProfiles = []*state.RunProfile{}
	}
	for _, e := range state.EnginesInCluster(txn, c.ID) {
		v.Engines = append(v.Engines, viewOf(txn, e))
		if e.Availability == state.EngineAvailable {
			v.AvailableEngines++
		}
	}
	v.TotalEngines = len(v.Engines)
	v.Availability = state.EngineNotAvailable
	if v.AvailableEngines > 0 {
		v.Availability = state.EngineAvailable
	}
	v.Summary = itoa(v.AvailableEngines) + "/" + itoa(v.TotalEngines) + " engines available"
	return v
}

func (h *Handlers) listClusters(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	out := []clusterView{}
	for _, c := range state.EngineClusters(txn) {
		if match(r.URL.Query().Get("environmentId"), c.EnvironmentID) {
			out = append(out, clusterViewOf(txn, c))
		}
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) getCluster(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	c := state.EngineClusterByID(txn, p.ByName("id"))
	if c == nil {
		return api.NotFound("engine cluster", p.ByName("id"))
	}
	api.WriteJSON(w, http.StatusOK, clusterViewOf(txn, c))
	return nil
}

func (h *Handlers) createCluster(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in struct {
		Name          string `json:"name"`
		EnvironmentID string `json:"environmentId"`
		WorkspaceID   string `json:"workspaceId"`
		Description   string `json:"description"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	req := state.EngineCluster{ID: state.NewObjectID(), Name: in.Name, EnvironmentID: in.EnvironmentID,
		WorkspaceID: in.WorkspaceID, Description: in.Description}
	var c state.EngineCluster
	if err := api.Propose(r, h.store, state.CmdEngineClusterCreate, req, &c); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, clusterViewOf(h.store.Read(), &c))
	return nil
}

func (h *Handlers) deleteCluster(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdEngineClusterDelete, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) addClusterEngine(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	req := state.EngineClusterMember{ClusterID: p.ByName("id"), EngineID: p.ByName("engineId")}
	if err := api.Propose(r, h.store, state.CmdEngineClusterAdd, req, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) removeClusterEngine(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	req := state.EngineClusterMember{ClusterID: p.ByName("id"), EngineID: p.ByName("engineId")}
	if err := api.Propose(r, h.store, state.CmdEngineClusterRemove, req, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
