package notifications

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const base = "/account/notification-subscriptions"

// Register adds the subscription endpoints (the caller's own); mail says
// an SMTP server is configured, so a subscription may omit its url.
func Register(rt *api.Router, s api.Store, mail bool) {
	h := handlers{store: s, mail: mail}
	rt.Handle("GET", base, h.list)
	rt.Handle("POST", base, h.create)
	rt.Handle("DELETE", base+"/:id", h.delete)
}

type handlers struct {
	store api.Store
	mail  bool
}

// SubscriptionInput is the body of a create. Without URL (and with a mail
// server configured) the notifications are mailed to the caller's
// profile email.
type SubscriptionInput struct {
	URL    string   `json:"url,omitempty"`
	Events []string `json:"events"`
}

// SubscriptionView is a subscription as listed: without its secret.
type SubscriptionView struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Secret is only in the create answer: it keys the signatures.
	Secret string `json:"secret,omitempty"`
}

func (h handlers) create(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in SubscriptionInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if in.URL == "" && !h.mail {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "url is required: this control plane has no mail server configured (roundhouse server --smtp-addr) to mail notifications to your profile email")
	}
	if u, err := url.Parse(in.URL); in.URL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "url must be an absolute http(s) URL, got %q", in.URL)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	sub := state.RunSubscription{ID: state.NewUUID(), UserID: api.PrincipalOf(r).ID, URL: in.URL, Events: in.Events, Secret: hex.EncodeToString(key)}
	if err := api.Propose(r, h.store, state.CmdRunSubscriptionCreate, sub, nil); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds a secret
	api.WriteJSON(w, http.StatusCreated, SubscriptionView{ID: sub.ID, URL: sub.URL, Events: sub.Events, Secret: sub.Secret})
	return nil
}

func (h handlers) list(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	out := []SubscriptionView{}
	for _, s := range state.RunSubscriptionsOf(txn, api.PrincipalOf(r).ID) {
		out = append(out, SubscriptionView{ID: s.ID, URL: s.URL, Events: s.Events})
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h handlers) delete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdRunSubscriptionDelete,
		state.RunSubscriptionDeleteRequest{ID: p.ByName("id"), UserID: api.PrincipalOf(r).ID}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
