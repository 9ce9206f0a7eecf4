package engines

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// Handlers serves the engine, engine-cluster and run-profile endpoints.
type Handlers struct {
	store  Store
	link   *Link
	keyTTL time.Duration
	opts   Options
}

// Options are the node's settings the endpoints apply.
type Options struct {
	// EngineTokens is the license's engine tokens (0: no limit); each
	// engine consumes state.EngineTokensPerEngine.
	EngineTokens int
	// Mail reports that an SMTP server is configured, so a notification
	// subscription may omit its url (mail to the profile email).
	Mail bool
}

const enginesPath = "/processing/runtimes/remote-engines"

// Register adds the endpoints to rt and mounts the heartbeat forwarding
// endpoint of link.
func Register(rt *api.Router, store Store, link *Link, opts Options) {
	h := &Handlers{store: store, link: link, keyTTL: state.DefaultPairKeyTTL, opts: opts}
	rt.Handle("GET", enginesPath, h.listEngines)
	rt.Handle("POST", enginesPath, h.createEngine)
	rt.Handle("GET", enginesPath+"/:id", h.getEngine)
	rt.Handle("PATCH", enginesPath+"/:id", h.updateEngine)
	rt.Handle("DELETE", enginesPath+"/:id", h.deleteEngine)
	rt.Handle("POST", enginesPath+"/:id/pre-authorized-key", h.regenerateKey)
	rt.Handle("DELETE", enginesPath+"/:id/pairing", h.unpairEngine)
	rt.Handle("GET", enginesPath+"/:id/run-profiles", h.listRunProfiles)
	rt.Handle("POST", enginesPath+"/:id/run-profiles", h.createRunProfile)
	registerClusters(rt, h)
	registerRunProfiles(rt, h)
	registerSubscriptions(rt, h)
	rt.Mount(ForwardPathPrefix, link.ForwardHandler())
}

// engineView is an engine as the API shows it.
type engineView struct {
	ID               string              `json:"id"`
	RuntimeID        string              `json:"runtimeId"`
	Name             string              `json:"name"`
	Description      string              `json:"description,omitempty"`
	Type             string              `json:"type"`
	EnvironmentID    string              `json:"environmentId"`
	WorkspaceID      string              `json:"workspaceId,omitempty"`
	ClusterID        string              `json:"clusterId,omitempty"`
	Status           string              `json:"status"`
	Availability     string              `json:"availability"`
	PreAuthorizedKey string              `json:"preAuthorizedKey,omitempty"`
	KeyExpires       *time.Time          `json:"preAuthorizedKeyExpirationDate,omitempty"`
	Version          string              `json:"version,omitempty"`
	Host             *protocol.HostFacts `json:"host,omitempty"`
	RunProfiles      []*state.RunProfile `json:"runProfiles"`
	PairDate         *time.Time          `json:"pairDate,omitempty"`
	CreateDate       time.Time           `json:"createDate"`
	UpdateDate       time.Time           `json:"updateDate"`

	// LastHeartbeatAt and HostSummary: see heartbeatView.
	LastHeartbeatAt *time.Time            `json:"lastHeartbeatAt,omitempty"`
	HostSummary     *protocol.HostSummary `json:"hostSummary,omitempty"`
}

func viewOf(txn state.Reader, e *state.Engine) engineView {
	v := engineView{
		ID: e.ID, RuntimeID: e.ID, Name: e.Name, Description: e.Description, Type: e.Kind,
		EnvironmentID: e.EnvironmentID, WorkspaceID: e.WorkspaceID, ClusterID: e.ClusterID,
		Status: e.Status, Availability: e.Availability, Version: e.Host.EngineVersion,
		RunProfiles: state.RunProfilesOf(txn, e.ID), CreateDate: e.CreatedAt, UpdateDate: e.UpdatedAt,
	}
	if v.RunProfiles == nil {
		v.RunProfiles = []*state.RunProfile{}
	}
	if e.Status == state.EnginePaired {
		host, paired := e.Host, e.PairedAt
		v.Host, v.PairDate = &host, &paired
		v.LastHeartbeatAt, v.HostSummary = heartbeatView(e)
	}
	return v
}

// heartbeatView is when a paired engine was last heard from and its host
// summary then, as the heartbeat monitor recorded them: at most one
// --engine-summary-interval old while it heartbeats (about two for
// engines connected to a follower), exact for one that went silent. An
// engine's AVAILABLE is recorded on hearing it, so AvailableSince counts
// too. A summary from before the engine's last pairing belongs to another
// agent and is not shown.
func heartbeatView(e *state.Engine) (*time.Time, *protocol.HostSummary) {
	last := e.LastHeartbeatAt
	if e.Availability == state.EngineAvailable && e.AvailableSince.After(last) {
		last = e.AvailableSince
	}
	if last.IsZero() {
		return nil, nil
	}
	var sum *protocol.HostSummary
	if e.HostSummary != nil && e.LastHeartbeatAt.After(e.PairedAt) {
		s := *e.HostSummary
		sum = &s
	}
	return &last, sum
}

func (h *Handlers) listEngines(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var matched []*state.Engine
	for _, e := range state.Engines(txn) {
		if match(q.Get("environmentId"), e.EnvironmentID) && match(q.Get("workspaceId"), e.WorkspaceID) &&
			match(q.Get("name"), e.Name) && match(q.Get("status"), e.Status) && match(q.Get("availability"), e.Availability) {
			matched = append(matched, e)
		}
	}
	// The answer stays an array, as in Talend's API; ?limit= and ?offset=
	// cut one page of it and X-Total-Count says how many matched.
	w.Header().Set("X-Total-Count", strconv.Itoa(len(matched)))
	if q.Has("limit") || q.Has("offset") {
		limit, offset, err := api.PageParams(q, api.MaxPageLimit)
		if err != nil {
			return err
		}
		matched = api.PageOf(matched, limit, offset).Items
	}
	out := make([]engineView, 0, len(matched))
	for _, e := range matched {
		out = append(out, viewOf(txn, e))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func match(want, got string) bool { return want == "" || want == got }

func (h *Handlers) getEngine(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	e := state.EngineByID(txn, p.ByName("id"))
	if e == nil {
		return api.NotFound("engine", p.ByName("id"))
	}
	api.WriteJSON(w, http.StatusOK, viewOf(txn, e))
	return nil
}

type engineInput struct {
	Name          string `json:"name"`
	EnvironmentID string `json:"environmentId"`
	WorkspaceID   string `json:"workspaceId"`
	Description   string `json:"description"`
	Type          string `json:"type"`
	// KeyTTLSeconds overrides the pair key's lifetime (default 7 days).
	KeyTTLSeconds int64 `json:"preAuthorizedKeyTtlSeconds"`
}

// newKey makes a pair key bound to the cluster CA and its stored record.
func (h *Handlers) newKey(r *http.Request, ttlSeconds int64) (protocol.PairKey, state.PairKeyRecord, error) {
	ttl := h.keyTTL
	if ttlSeconds < 0 || ttlSeconds > int64(90*24*time.Hour/time.Second) {
		return protocol.PairKey{}, state.PairKeyRecord{}, api.Errorf(http.StatusBadRequest, api.CodeInvalid, "preAuthorizedKeyTtlSeconds must be between 1 second and 90 days (7776000)")
	}
	if ttlSeconds > 0 {
		ttl = time.Duration(ttlSeconds) * time.Second
	}
	ca, err := h.link.Directory().CA(r.Context())
	if err != nil {
		return protocol.PairKey{}, state.PairKeyRecord{}, fmt.Errorf("cluster CA: %w", err)
	}
	k, err := protocol.NewPairKey(ca.Fingerprint())
	if err != nil {
		return protocol.PairKey{}, state.PairKeyRecord{}, err
	}
	return k, state.PairKeyRecord{ID: k.ID, SecretHash: k.SecretHash(), ExpiresAt: time.Now().Add(ttl).UTC()}, nil
}

func (h *Handlers) createEngine(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in engineInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if !state.IsObjectID(in.EnvironmentID) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "environmentId must be a 24-hex ID, got %q", in.EnvironmentID)
	}
	key, rec, err := h.newKey(r, in.KeyTTLSeconds)
	if err != nil {
		return err
	}
	req := state.EngineCreateRequest{
		Engine: state.Engine{ID: state.NewObjectID(), Name: in.Name, Description: in.Description,
			Kind: in.Type, EnvironmentID: in.EnvironmentID, WorkspaceID: in.WorkspaceID},
		Key: rec, TokenLimit: h.opts.EngineTokens,
	}
	var e state.Engine
	if err := api.Propose(r, h.store, state.CmdEngineCreate, req, &e); err != nil {
		return err
	}
	v := viewOf(h.store.Read(), &e)
	v.PreAuthorizedKey, v.KeyExpires = key.String(), &rec.ExpiresAt
	w.Header().Set("Cache-Control", "no-store") // the answer holds a secret
	api.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (h *Handlers) updateEngine(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in struct {
		Name          *string `json:"name"`
		Description   *string `json:"description"`
		EnvironmentID *string `json:"environmentId"`
		WorkspaceID   *string `json:"workspaceId"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	req := state.EngineUpdate{ID: p.ByName("id"), Name: in.Name, Description: in.Description,
		EnvironmentID: in.EnvironmentID, WorkspaceID: in.WorkspaceID}
	var e state.Engine
	if err := api.Propose(r, h.store, state.CmdEngineUpdate, req, &e); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, viewOf(h.store.Read(), &e))
	return nil
}

func (h *Handlers) deleteEngine(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdEngineDelete, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	// Other nodes close theirs when the deletion reaches their replica.
	h.link.CloseEngine(p.ByName("id"), "engine deleted")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) unpairEngine(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdEngineUnpair, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	h.link.CloseEngine(p.ByName("id"), "engine unpaired")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type keyView struct {
	PreAuthorizedKey string    `json:"preAuthorizedKey"`
	ExpirationDate   time.Time `json:"expirationDate"`
}

// regenerateKey issues a new pair key; the old one stops working and a
// paired engine is unpaired (its agent must pair again with the new key).
func (h *Handlers) regenerateKey(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in struct {
		KeyTTLSeconds int64 `json:"preAuthorizedKeyTtlSeconds"`
	}
	if r.ContentLength != 0 {
		if err := api.Decode(w, r, &in); err != nil {
			return err
		}
	}
	key, rec, err := h.newKey(r, in.KeyTTLSeconds)
	if err != nil {
		return err
	}
	if err := api.Propose(r, h.store, state.CmdEngineRegenerateKey, state.EngineKeyRequest{EngineID: p.ByName("id"), Key: rec}, nil); err != nil {
		return err
	}
	h.link.CloseEngine(p.ByName("id"), "pair key regenerated")
	w.Header().Set("Cache-Control", "no-store") // the answer holds a secret
	api.WriteJSON(w, http.StatusCreated, keyView{PreAuthorizedKey: key.String(), ExpirationDate: rec.ExpiresAt})
	return nil
}
