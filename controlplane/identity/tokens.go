package identity

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Handlers serves the identity endpoints.
type Handlers struct {
	store api.Store
}

// Register adds the endpoints to rt.
func Register(rt *api.Router, s api.Store) {
	h := &Handlers{store: s}
	rt.Handle("GET", "/account/me", h.me)
	rt.Handle("GET", "/account/access-tokens", h.listTokens)
	rt.Handle("POST", "/account/access-tokens", h.createToken)
	rt.Handle("DELETE", "/account/access-tokens/:id", h.revokeToken)
}

// tokenView is a token as the API shows it: never the secret or hash.
type tokenView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Owner     string    `json:"owner"`
	OwnerName string    `json:"ownerName,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// Token is the secret, present only in the creation answer.
	Token string `json:"token,omitempty"`
}

func viewOf(txn state.Reader, t *state.AccessToken) tokenView {
	v := tokenView{ID: t.ID, Name: t.Name, Owner: t.UserID, CreatedAt: t.CreatedAt}
	if u := state.UserByID(txn, t.UserID); u != nil {
		v.OwnerName = u.Login
	}
	return v
}

func (h *Handlers) me(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	p := api.PrincipalOf(r)
	u := state.UserByID(h.store.Read(), p.ID)
	if u == nil {
		return api.NotFound("user", p.ID)
	}
	api.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (h *Handlers) listTokens(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	p := api.PrincipalOf(r)
	txn := h.store.Read()
	var list []*state.AccessToken
	if r.URL.Query().Get("all") == "true" {
		if !p.Has(state.PermUserManagement) {
			return api.Errorf(http.StatusForbidden, api.CodeForbidden, "listing every user's tokens requires %s", state.PermUserManagement)
		}
		list = state.AllTokens(txn)
	} else {
		list = state.TokensOf(txn, p.ID)
	}
	out := []tokenView{}
	for _, t := range list {
		out = append(out, viewOf(txn, t))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) createToken(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	p := api.PrincipalOf(r)
	secret, hash := authn.NewToken()
	req := state.AccessToken{ID: state.NewObjectID(), UserID: p.ID, Name: in.Name, Hash: hash}
	var tok state.AccessToken
	if err := api.Propose(r, h.store, state.CmdTokenCreate, req, &tok); err != nil {
		return err
	}
	v := viewOf(h.store.Read(), &tok)
	v.Token = secret
	api.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	p := api.PrincipalOf(r)
	tok := state.TokenByID(h.store.Read(), ps.ByName("id"))
	// Someone else's token looks like a missing one unless the caller
	// may manage users: token IDs are not to be probed.
	if tok == nil || (tok.UserID != p.ID && !p.Has(state.PermUserManagement)) {
		return api.NotFound("access token", ps.ByName("id"))
	}
	if err := api.Propose(r, h.store, state.CmdTokenRevoke, state.TokenRevokeRequest{ID: tok.ID}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
