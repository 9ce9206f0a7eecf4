package identity

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// passwordPolicyView is the policy without internal fields.
type passwordPolicyView struct {
	LockoutEnabled         bool `json:"lockoutEnabled"`
	MaxFailedAttempts      int  `json:"maxFailedAttempts"`
	LockoutDurationSeconds int  `json:"lockoutDurationSeconds"`
	ExpirationEnabled      bool `json:"expirationEnabled"`
	ExpirationIntervalDays int  `json:"expirationIntervalDays"`
}

func policyView(p state.PasswordPolicy) passwordPolicyView {
	return passwordPolicyView{LockoutEnabled: p.LockoutEnabled, MaxFailedAttempts: p.MaxFailedAttempts,
		LockoutDurationSeconds: p.LockoutDurationSeconds, ExpirationEnabled: p.ExpirationEnabled,
		ExpirationIntervalDays: p.ExpirationIntervalDays}
}

func (h *Handlers) getPasswordPolicy(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, policyView(state.PasswordPolicyOf(txn)))
	return nil
}

// setPasswordPolicy replaces the policy; omitted fields keep their
// current values (each toggle keeps its values while off).
func (h *Handlers) setPasswordPolicy(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	in := policyView(state.PasswordPolicyOf(h.store.Read()))
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	p := state.PasswordPolicy{LockoutEnabled: in.LockoutEnabled, MaxFailedAttempts: in.MaxFailedAttempts,
		LockoutDurationSeconds: in.LockoutDurationSeconds, ExpirationEnabled: in.ExpirationEnabled,
		ExpirationIntervalDays: in.ExpirationIntervalDays}
	var out state.PasswordPolicy
	if err := api.Propose(r, h.store, state.CmdPasswordPolicySet, p, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, policyView(out))
	return nil
}

// subscriptionView is the license and what is used of it.
type subscriptionView struct {
	TenantID        string `json:"tenantId"`
	Seats           usage  `json:"seats"`
	EngineTokens    usage  `json:"engineTokens"`
	ServiceAccounts usage  `json:"serviceAccounts"`
	// StudioSeats: users holding Studio - Develop (a seat of that
	// application); AdministratorUsers: users holding an administrator
	// permission. Shown, not limited.
	StudioSeats        int `json:"studioSeatsUsed"`
	AdministratorUsers int `json:"administratorUsers"`
}

// usage: Total 0 means no limit.
type usage struct {
	Total int `json:"total"`
	Used  int `json:"used"`
}

func (h *Handlers) subscription(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	lic := h.opts.License
	api.WriteJSON(w, http.StatusOK, subscriptionView{
		TenantID:           tenantID(txn),
		Seats:              usage{Total: lic.Seats, Used: state.SeatsUsed(txn)},
		EngineTokens:       usage{Total: lic.EngineTokens, Used: state.EngineTokensUsed(txn)},
		ServiceAccounts:    usage{Total: lic.ServiceAccounts, Used: len(state.ServiceAccounts(txn))},
		StudioSeats:        state.UsersHolding(txn, state.PermStudioDeveloper),
		AdministratorUsers: state.UsersHolding(txn, state.AdministratorPermissions()...),
	})
	return nil
}
