package authn

import (
	"github.com/roundhouse/roundhouse/cluster"
	"net/http"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authz"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Authenticator resolves bearer tokens against the local replica.
type Authenticator struct {
	read func() *cluster.Reader
	now  func() time.Time
}

// New returns an Authenticator reading state through read.
func New(read func() *cluster.Reader) *Authenticator {
	return &Authenticator{read: read, now: time.Now}
}

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
	hash := HashToken(secret)
	if tok := state.TokenByHash(txn, hash); tok != nil {
		p, err := userPrincipal(txn, tok.UserID)
		if p != nil {
			p.TokenID = tok.ID
		}
		return p, err
	}
	if sess := state.SessionByHash(txn, hash); sess != nil && a.now().Before(sess.ExpiresAt) {
		if sess.PrincipalKind == state.KindServiceAccount {
			return serviceAccountPrincipal(txn, sess.PrincipalID)
		}
		return userPrincipal(txn, sess.PrincipalID)
	}
	return nil, api.Errorf(http.StatusUnauthorized, api.CodeUnauthorized, "invalid, expired or revoked token")
}

// userPrincipal resolves a user's current roles: a token has no rights
// of its own, and a deactivated user's tokens stop working at once.
func userPrincipal(txn *cluster.Reader, id string) (*authz.Principal, error) {
	u := state.UserByID(txn, id)
	if u == nil || u.Status != state.UserActive {
		return nil, api.Errorf(http.StatusUnauthorized, api.CodeUnauthorized, "the token's user is deactivated or deleted")
	}
	return &authz.Principal{Kind: authz.KindUser, ID: u.ID, Name: u.Login,
		Permissions:     state.PermissionsOf(txn, u.Roles),
		WorkspaceLookup: workspaceLookup(txn, state.KindUser, u.ID)}, nil
}

func serviceAccountPrincipal(txn *cluster.Reader, id string) (*authz.Principal, error) {
	sa := state.ServiceAccountByID(txn, id)
	if sa == nil {
		return nil, api.Errorf(http.StatusUnauthorized, api.CodeUnauthorized, "the token's service account was deleted")
	}
	return &authz.Principal{Kind: authz.KindServiceAccount, ID: sa.ID, Name: sa.Name,
		Permissions:     state.PermissionsOfPrincipal(txn, state.KindServiceAccount, sa.ID),
		WorkspaceLookup: workspaceLookup(txn, state.KindServiceAccount, sa.ID)}, nil
}

// workspaceLookup resolves a principal's rights on one workspace from the
// request's read snapshot, only when a rule asks.
func workspaceLookup(txn *cluster.Reader, kind, id string) func(string) map[string]bool {
	return func(workspaceID string) map[string]bool {
		rights := map[string]bool{}
		if p := state.WorkspacePermissionOf(txn, kind, id, workspaceID); p != nil {
			for _, r := range p.Permissions {
				rights[r] = true
			}
		}
		return rights
	}
}
