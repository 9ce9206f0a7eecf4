package identity

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Codes of refused logins.
const (
	CodeAccountLocked   = "ACCOUNT_LOCKED"
	CodePasswordExpired = "PASSWORD_EXPIRED"
)

func (h *Handlers) registerLogin(rt *api.Router) {
	rt.Handle("POST", "/security/oauth/token", h.oauthToken)
	rt.Handle("POST", "/security/password", h.changePassword)
}

// tokenRequest is the body of POST /security/oauth/token. Audience (the
// API URL Talend's documentation sends, e.g. https://api.us.cloud.talend.com)
// and scope are accepted and ignored: a node serves one audience. The
// client id and secret may come in the body (RFC 6749
// client_secret_post) instead of HTTP Basic.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	Audience     string `json:"audience"`
	Scope        string `json:"scope"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// readTokenRequest accepts JSON (Talend's documented body) or the form
// encoding OAuth 2 clients send.
func readTokenRequest(w http.ResponseWriter, r *http.Request) (tokenRequest, error) {
	var in tokenRequest
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return in, api.Decode(w, r, &in)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		return in, badRequest("read form body: %v", err)
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return in, badRequest("malformed form body")
	}
	return tokenRequest{GrantType: form.Get("grant_type"), Username: form.Get("username"), Password: form.Get("password"),
		Audience: form.Get("audience"), Scope: form.Get("scope"),
		ClientID: form.Get("client_id"), ClientSecret: form.Get("client_secret")}, nil
}

// oauthToken issues a bearer token valid AccessTokenTTL: to a service
// account (client_credentials, id and secret by HTTP Basic or in the
// body) or to a user (password grant, subject to the password policy).
func (h *Handlers) oauthToken(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	in, err := readTokenRequest(w, r)
	if err != nil {
		return err
	}
	var kind, id string
	switch in.GrantType {
	case "client_credentials":
		kind, id, err = h.checkClient(r, in)
	case "password":
		kind = state.KindUser
		id, err = h.checkPassword(r, in.Username, in.Password, true)
	default:
		return badRequest("grant_type must be client_credentials or password")
	}
	if err != nil {
		return err
	}
	secret, hash := authn.NewSessionToken()
	req := state.SessionIssueRequest{
		Session: state.Session{ID: state.NewObjectID(), Hash: hash, PrincipalKind: kind, PrincipalID: id},
		TTL:     h.opts.AccessTokenTTL,
	}
	if err := api.Propose(r, h.store, state.CmdSessionIssue, req, nil); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, map[string]any{
		"access_token": secret, "token_type": "Bearer", "expires_in": int(h.opts.AccessTokenTTL / time.Second),
	})
	return nil
}

func unauthorized(msg string) error {
	return api.Errorf(http.StatusUnauthorized, api.CodeUnauthorized, "%s", msg)
}

func (h *Handlers) checkClient(r *http.Request, in tokenRequest) (string, string, error) {
	id, secret, basic := r.BasicAuth()
	switch {
	case basic && in.ClientID != "":
		return "", "", badRequest("send the client credentials once: by HTTP Basic or as client_id and client_secret, not both")
	case !basic && in.ClientID == "":
		return "", "", unauthorized("client_credentials needs the service account id and secret, by HTTP Basic or as client_id and client_secret")
	case !basic:
		id, secret = in.ClientID, in.ClientSecret
	}
	sa := state.ServiceAccountByID(h.store.Read(), id)
	if sa == nil || !authn.SameHash(sa.SecretHash, authn.HashToken(secret)) {
		return "", "", unauthorized("invalid client id or secret")
	}
	return state.KindServiceAccount, sa.ID, nil
}

// checkPassword verifies a user's password under the password policy:
// lock-out after too many failures, expiry, and the rule that a user
// without roles cannot log in. It returns the user's ID. A login naming no
// user with a password does the same work (one argon2id verification, one
// replicated failure count) and gets the same answers, lock-out included,
// so that no answer reveals which accounts exist.
func (h *Handlers) checkPassword(r *http.Request, login, password string, forLogin bool) (string, error) {
	txn := h.store.Read()
	u := state.UserByLogin(txn, login)
	var cred *state.Credential
	if u != nil {
		cred = state.CredentialOf(txn, u.ID)
	}
	now := h.opts.Now()
	if cred == nil {
		return "", h.failWithoutPassword(r, txn, login, password, now)
	}
	if now.Before(cred.LockedUntil) {
		return "", locked(cred.LockedUntil, now)
	}
	if !h.opts.VerifyPassword(cred.PasswordHash, password) {
		return "", h.countFailure(r, state.LoginFailedRequest{UserID: u.ID}, now)
	}
	switch {
	case u.Status != state.UserActive:
		return "", api.Errorf(http.StatusForbidden, api.CodeForbidden, "the user is deactivated")
	case forLogin && len(u.Roles) == 0:
		return "", api.Errorf(http.StatusForbidden, api.CodeForbidden, "a user cannot log in until at least one role is assigned")
	case forLogin && state.PasswordPolicyOf(txn).Expired(cred.PasswordSetAt, now):
		return "", api.Errorf(http.StatusForbidden, CodePasswordExpired, "the password has expired; set a new one with POST /security/password")
	}
	return u.ID, nil
}

// failWithoutPassword answers a login naming no user with a password as a
// wrong password for an account is answered.
func (h *Handlers) failWithoutPassword(r *http.Request, txn state.Reader, login, password string, now time.Time) error {
	key := state.LoginKey(login)
	if f := state.LoginFailureOf(txn, key); f != nil && now.Before(f.LockedUntil) {
		return locked(f.LockedUntil, now)
	}
	h.opts.VerifyPassword(h.dummyHash, password)
	return h.countFailure(r, state.LoginFailedRequest{LoginKey: key}, now)
}

// countFailure records one failed login and answers it: locked when this
// failure locked the login out, else a wrong login or password.
func (h *Handlers) countFailure(r *http.Request, req state.LoginFailedRequest, now time.Time) error {
	var res state.LoginFailedResult
	if err := api.Propose(r, h.store, state.CmdLoginFailed, req, &res); err != nil {
		return err
	}
	if now.Before(res.LockedUntil) {
		return locked(res.LockedUntil, now)
	}
	return unauthorized("invalid login or password")
}

func locked(until, now time.Time) error {
	secs := int(until.Sub(now).Round(time.Second) / time.Second)
	return api.Errorf(http.StatusForbidden, CodeAccountLocked,
		"too many failed login attempts; the account is locked for %s more", fmt.Sprint(max(secs, 1), "s"))
}

// changePassword lets a user set a new password with the current one,
// also when it has expired: {"login", "password", "newPassword"} → 204.
func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in struct {
		Login       string `json:"login"`
		Password    string `json:"password"`
		NewPassword string `json:"newPassword"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if err := authn.CheckPasswordRules(in.NewPassword); err != nil {
		return badRequest("%v", err)
	}
	id, err := h.checkPassword(r, in.Login, in.Password, false)
	if err != nil {
		return err
	}
	if in.NewPassword == in.Password {
		return badRequest("the new password must differ from the previous one")
	}
	req := state.PasswordSetRequest{UserID: id, Hash: authn.HashPassword(in.NewPassword)}
	if err := api.Propose(r, h.store, state.CmdPasswordSet, req, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
