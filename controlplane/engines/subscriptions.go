package engines

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const subscriptionsPath = "/processing/runtimes/engine-notification-subscriptions"

func registerSubscriptions(rt *api.Router, h *Handlers) {
	rt.Handle("GET", subscriptionsPath, h.listSubscriptions)
	rt.Handle("POST", subscriptionsPath, h.createSubscription)
	rt.Handle("DELETE", subscriptionsPath+"/:id", h.deleteSubscription)
}

// subscriptionView hides the secret except in the creation answer.
type subscriptionView struct {
	ID     string   `json:"id"`
	Events []string `json:"events"`
	URL    string   `json:"url"`
	Secret string   `json:"secret,omitempty"`
}

func (h *Handlers) listSubscriptions(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	out := []subscriptionView{}
	for _, s := range state.SubscriptionsOf(txn, api.PrincipalOf(r).ID) {
		out = append(out, subscriptionView{ID: s.ID, Events: s.Events, URL: s.URL})
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) createSubscription(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in struct {
		Events []string `json:"events"`
		URL    string   `json:"url"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if in.URL == "" && !h.opts.Mail {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "%s", noMailServer)
	}
	var secret [24]byte
	_, _ = rand.Read(secret[:])
	req := state.NotificationSubscription{ID: state.NewObjectID(), UserID: api.PrincipalOf(r).ID, Events: in.Events,
		URL: in.URL, Secret: hex.EncodeToString(secret[:])}
	var s state.NotificationSubscription
	if err := api.Propose(r, h.store, state.CmdSubscriptionCreate, req, &s); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds a secret
	api.WriteJSON(w, http.StatusCreated, subscriptionView{ID: s.ID, Events: s.Events, URL: s.URL, Secret: s.Secret})
	return nil
}

func (h *Handlers) deleteSubscription(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdSubscriptionDelete, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// noMailServer explains a subscription without url on a node without SMTP.
const noMailServer = "url is required: this control plane has no mail server configured (roundhouse server --smtp-addr) to mail notifications to your profile email"
