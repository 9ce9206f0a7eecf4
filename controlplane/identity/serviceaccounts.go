package identity

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Service accounts, exactly as Talend's service account API (Talend Cloud API
// reference, Service Accounts).
func (h *Handlers) registerServiceAccounts(rt *api.Router) {
	rt.Handle("GET", "/account/service-accounts", h.listServiceAccounts)
	rt.Handle("POST", "/account/service-accounts", h.createServiceAccount)
	rt.Handle("GET", "/account/service-accounts/permissions", h.serviceAccountPermissions)
	rt.Handle("GET", "/account/service-accounts/count", h.countServiceAccounts)
	rt.Handle("GET", "/account/service-accounts/:id", h.getServiceAccount)
	rt.Handle("PUT", "/account/service-accounts/:id", h.updateServiceAccount)
	rt.Handle("DELETE", "/account/service-accounts/:id", h.deleteServiceAccount)
}

// serviceAccountView is the ServiceAccount of Talend's API; Secret only in the
// creation answer.
type serviceAccountView struct {
	ID               string    `json:"id"`
	Secret           string    `json:"secret,omitempty"`
	Name             string    `json:"name"`
	Permissions      []string  `json:"permissions"`
	CreatedDate      time.Time `json:"createdDate"`
	LastModifiedDate time.Time `json:"lastModifiedDate"`
	LastUsedDate     time.Time `json:"lastUsedDate,omitzero"`
	LastUsedAPI      string    `json:"lastUsedApi,omitempty"`
}

func saView(sa *state.ServiceAccount) serviceAccountView {
	return serviceAccountView{ID: sa.ID, Name: sa.Name, Permissions: append([]string{}, sa.Permissions...),
		CreatedDate: sa.CreatedDate, LastModifiedDate: sa.LastModifiedDate, LastUsedDate: sa.LastUsedDate, LastUsedAPI: sa.LastUsedAPI}
}

// serviceAccountInput accepts the whole ServiceAccount schema (clients
// send back what they read); only name and permissions are used.
type serviceAccountInput struct {
	ID               json.RawMessage `json:"id"`
	Secret           json.RawMessage `json:"secret"`
	Name             string          `json:"name"`
	Permissions      *[]string       `json:"permissions"`
	CreatedDate      json.RawMessage `json:"createdDate"`
	LastModifiedDate json.RawMessage `json:"lastModifiedDate"`
	LastUsedDate     json.RawMessage `json:"lastUsedDate"`
	LastUsedAPI      json.RawMessage `json:"lastUsedApi"`
}

func (in serviceAccountInput) check() error {
	if in.Name == "" {
		return badRequest("name is required")
	}
	if in.Permissions == nil {
		return badRequest("permissions are required (an array, possibly empty)")
	}
	return nil
}

func (h *Handlers) listServiceAccounts(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	out := []serviceAccountView{}
	for _, sa := range state.ServiceAccounts(txn) {
		out = append(out, saView(sa))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) createServiceAccount(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in serviceAccountInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if err := requireHeld(r, *in.Permissions, nil); err != nil {
		return err
	}
	secret, hash := authn.NewClientSecret()
	req := state.ServiceAccountCreateRequest{
		ServiceAccount: state.ServiceAccount{ID: state.NewUUID(), Name: in.Name, SecretHash: hash, Permissions: *in.Permissions},
		Limit:          h.opts.License.ServiceAccounts,
	}
	var sa state.ServiceAccount
	if err := api.Propose(r, h.store, state.CmdServiceAccountCreate, req, &sa); err != nil {
		return err
	}
	v := saView(&sa)
	v.Secret = secret
	w.Header().Set("Location", "/account/service-accounts/"+sa.ID)
	w.Header().Set("Cache-Control", "no-store") // the answer holds the secret
	api.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (h *Handlers) getServiceAccount(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	sa := state.ServiceAccountByID(txn, ps.ByName("id"))
	if sa == nil {
		return api.Errorf(http.StatusNotFound, api.CodeNotFound, "Service account is not found.")
	}
	api.WriteJSON(w, http.StatusOK, saView(sa))
	return nil
}

func (h *Handlers) updateServiceAccount(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	var in serviceAccountInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	var already []string
	if cur := state.ServiceAccountByID(txn, ps.ByName("id")); cur != nil {
		already = cur.Permissions
	}
	if err := requireHeld(r, *in.Permissions, already); err != nil {
		return err
	}
	req := state.ServiceAccountUpdate{ID: ps.ByName("id"), Name: in.Name, Permissions: *in.Permissions}
	var sa state.ServiceAccount
	if err := api.Propose(r, h.store, state.CmdServiceAccountUpdate, req, &sa); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, saView(&sa))
	return nil
}

func (h *Handlers) deleteServiceAccount(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	if err := api.Propose(r, h.store, state.CmdServiceAccountDelete, state.IDRequest{ID: ps.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) serviceAccountPermissions(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) error {
	api.WriteJSON(w, http.StatusOK, state.ServiceAccountPermissions())
	return nil
}

func (h *Handlers) countServiceAccounts(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"count": len(state.ServiceAccounts(txn)), "tenantId": tenantID(txn)})
	return nil
}

func tenantID(txn state.Reader) string {
	if a := state.AccountOf(txn); a != nil {
		return a.Name
	}
	return ""
}
