package authn

import (
	"net/http"
	"strings"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authz"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Authenticator resolves bearer tokens against the local replica.
type Authenticator struct {
	read func() *memdb.Txn
}

// New returns an Authenticator reading state through read.
func New(read func() *memdb.Txn) *Authenticator { return &Authenticator{read: read} }

// Authenticate implements api.Authenticator.
func (a *Authenticator) Authenticate(r *http.Request) (*authz.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return nil, api.Errorf(http.StatusUnauthorized, api.CodeUnauthorized, "Authorization must be \"Bearer <token>\"")
	}
	return a.principalFor(secret)
}

func (a *Authenticator) principalFor(secret string) (*authz.Principal, error) {
	txn := a.read()
	if state.AccountOf(txn) == nil {
		// A node that has not applied the cluster's bootstrap yet (just
		// started or joined) cannot tell a valid token from a wrong one.
		return nil, api.Errorf(http.StatusServiceUnavailable, api.CodeNotReady,
			"this node has not caught up with the cluster yet; retry shortly")
	}
	tok := state.TokenByHash(txn, HashToken(secret))
	if tok == nil {
		return nil, api.Errorf(http.StatusUnauthorized, api.CodeUnauthorized, "invalid or revoked token")
	}
	u := state.UserByID(txn, tok.UserID)
	if u == nil || u.Status != state.UserActive {
		return nil, api.Errorf(http.StatusUnauthorized, api.CodeUnauthorized, "the token's user is deactivated or deleted")
	}
	return &authz.Principal{Kind: authz.KindUser, ID: u.ID, Name: u.Login,
		Permissions: state.PermissionsOf(txn, u.Roles)}, nil
}
