package ipallowlist

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const base = "/v1/management/ip-allowlist"

// Handlers serves the IP allowlist endpoints.
type Handlers struct {
	store api.Store
}

// Register adds the 11 endpoints of the IP allowlist API to rt.
func Register(rt *api.Router, s api.Store) {
	h := &Handlers{store: s}
	rt.Handle("GET", base, h.get)
	rt.Handle("POST", base, h.create)
	rt.Handle("PUT", base, h.update)
	rt.Handle("DELETE", base, h.delete)
	rt.Handle("PATCH", base, h.enable)
	rt.Handle("GET", base+"/ips", h.listIPs)
	rt.Handle("POST", base+"/ips", h.addIPs)
	rt.Handle("PUT", base+"/ips", h.editIPs)
	rt.Handle("GET", base+"/ips/:id", h.getIP)
	rt.Handle("PUT", base+"/ips/:id", h.editIP)
	rt.Handle("DELETE", base+"/ips/:id", h.deleteIP)
}

// Policy is the allowlist as the API shows it.
type Policy struct {
	Description string          `json:"description"`
	Enabled     bool            `json:"enabled"`
	IPs         []state.IPEntry `json:"ips"`
}

func policyOf(l *state.IPAllowlist) Policy {
	return Policy{Description: l.Description, Enabled: l.Enabled, IPs: append([]state.IPEntry{}, l.IPs...)}
}

// entryInput is one address in a request; ID only where the call names
// existing entries.
type entryInput struct {
	ID          string  `json:"id"`
	IP          string  `json:"ip"`
	Description *string `json:"description"`
}

// newEntries gives fresh IDs to entries being added.
func newEntries(in []entryInput) []state.IPEntry {
	out := []state.IPEntry{}
	for _, e := range in {
		out = append(out, state.IPEntry{ID: state.NewObjectID(), IP: e.IP, Description: deref(e.Description)})
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *Handlers) current(r *http.Request) (*state.IPAllowlist, error) {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return nil, err
	}
	l := state.IPAllowlistOf(txn)
	if l == nil {
		return nil, api.Errorf(http.StatusNotFound, api.CodeNotFound, "no IP allowlist exists")
	}
	return l, nil
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	l, err := h.current(r)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, policyOf(l))
	return nil
}

type policyInput struct {
	Description *string      `json:"description"`
	Enabled     *bool        `json:"enabled"`
	IPs         []entryInput `json:"ips"`
}

// propose runs cmd and answers status with the resulting policy.
func (h *Handlers) propose(w http.ResponseWriter, r *http.Request, cmd string, payload any, status int) error {
	var l state.IPAllowlist
	if err := api.Propose(r, h.store, cmd, payload, &l); err != nil {
		return err
	}
	api.WriteJSON(w, status, policyOf(&l))
	return nil
}

// create sets up the whole configuration: 201; 409 if one exists.
func (h *Handlers) create(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in policyInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	return h.propose(w, r, state.CmdIPAllowlistCreate,
		state.IPAllowlistInput{Description: in.Description, Enabled: in.Enabled, IPs: newEntries(in.IPs)}, http.StatusCreated)
}

// update adds IPs and/or changes description and activation: 200.
func (h *Handlers) update(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in policyInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	return h.propose(w, r, state.CmdIPAllowlistUpdate,
		state.IPAllowlistInput{Description: in.Description, Enabled: in.Enabled, IPs: newEntries(in.IPs)}, http.StatusOK)
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdIPAllowlistDelete, struct{}{}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// enable activates or deactivates: {"enabled": bool} → 200.
func (h *Handlers) enable(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in struct {
		Enabled *bool `json:"enabled"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if in.Enabled == nil {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "enabled (true or false) is required")
	}
	return h.propose(w, r, state.CmdIPAllowlistEnable, map[string]bool{"enabled": *in.Enabled}, http.StatusOK)
}
