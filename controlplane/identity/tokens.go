package identity

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// tokenView is a token as the API shows it: never the secret or hash.
type tokenView struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Owner      string    `json:"owner"`
	OwnerName  string    `json:"ownerName,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
	// Token is the secret, present only in the creation answer.
	Token string `json:"token,omitempty"`
}

func viewOf(txn state.Reader, t *state.AccessToken) tokenView {
	v := tokenView{ID: t.ID, Name: t.Name, Owner: t.UserID, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt}
	if u := state.UserByID(txn, t.UserID); u != nil {
		v.OwnerName = u.Login
	}
	return v
}

func (h *Handlers) me(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	p := api.PrincipalOf(r)
	if p.Kind == state.KindServiceAccount {
		sa := state.ServiceAccountByID(h.store.Read(), p.ID)
		if sa == nil {
			return api.NotFound("service account", p.ID)
		}
		api.WriteJSON(w, http.StatusOK, saView(sa))
		return nil
	}
	u := state.UserByID(h.store.Read(), p.ID)
	if u == nil {
		return api.NotFound("user", p.ID)
	}
	api.WriteJSON(w, http.StatusOK, userViewOf(h.store.Read(), u))
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
	w.Header().Set("Cache-Control", "no-store") // the answer holds a secret
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

func (h *Handlers) renameToken(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	p := api.PrincipalOf(r)
	tok := state.TokenByID(h.store.Read(), ps.ByName("id"))
	if tok == nil || (tok.UserID != p.ID && !p.Has(state.PermUserManagement)) {
		return api.NotFound("access token", ps.ByName("id"))
	}
	var out state.AccessToken
	if err := api.Propose(r, h.store, state.CmdTokenRename, state.TokenRenameRequest{ID: tok.ID, Name: in.Name}, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, viewOf(h.store.Read(), &out))
	return nil
}
