package identity

import (
	"net/http"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// License is what the account's license grants; 0 means no limit.
type License struct {
	Seats           int
	EngineTokens    int
	ServiceAccounts int
}

// Options configure the identity endpoints.
type Options struct {
	License License
	// AccessTokenTTL is the validity of tokens from /security/oauth/token.
	AccessTokenTTL time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// VerifyPassword checks a password against its stored hash
	// (authn.VerifyPassword, argon2id, when nil); tests count the work a
	// login does through it.
	VerifyPassword func(hash, password string) bool
}

// Handlers serves the identity endpoints.
type Handlers struct {
	store api.Store
	opts  Options
	// dummyHash is verified against when a login names no user, so the
	// answer takes as long as for a wrong password.
	dummyHash string
}

// Register adds the endpoints to rt.
func Register(rt *api.Router, s api.Store, opts Options) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.VerifyPassword == nil {
		opts.VerifyPassword = authn.VerifyPassword
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = 30 * time.Minute
	}
	h := &Handlers{store: s, opts: opts, dummyHash: "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
	rt.Handle("GET", "/account/me", h.me)
	rt.Handle("GET", "/account/access-tokens", h.listTokens)
	rt.Handle("POST", "/account/access-tokens", h.createToken)
	rt.Handle("PATCH", "/account/access-tokens/:id", h.renameToken)
	rt.Handle("DELETE", "/account/access-tokens/:id", h.revokeToken)
	h.registerUsers(rt)
	h.registerRoles(rt)
	h.registerGroups(rt)
	h.registerServiceAccounts(rt)
	h.registerLogin(rt)
	rt.Handle("GET", "/account/password-policy", h.getPasswordPolicy)
	rt.Handle("PUT", "/account/password-policy", h.setPasswordPolicy)
	rt.Handle("GET", "/account/subscription", h.subscription)
}

func (h *Handlers) reader(r *http.Request) (state.Reader, error) { return api.Reader(r, h.store) }

func badRequest(format string, args ...any) error {
	return api.Errorf(http.StatusBadRequest, api.CodeInvalid, format, args...)
}

func checkUUID(what, id string) error {
	if !state.IsUUID(id) {
		return badRequest("%s %q is not a valid UUID", what, id)
	}
	return nil
}
