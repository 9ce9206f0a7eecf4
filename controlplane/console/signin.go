package console

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/api"
)

type signinData struct {
	Login   string
	Method  string // "password" or "token"
	Expired bool
	Nonce   string
}

// signinForm shows the sign-in page with a fresh double-submit nonce
// (there is no session yet to bind a CSRF token to).
func (c *Console) signinForm(w http.ResponseWriter, r *http.Request) {
	nonce := randomToken()
	setCookie(w, r, signinCookie, nonce, 15*time.Minute)
	c.render(w, http.StatusOK, "signin", view{Title: "Sign in", Data: signinData{
		Method: "password", Expired: r.URL.Query().Get("expired") != "", Nonce: nonce}}, nil)
}

// signin exchanges a login and password for an access token (the API's
// password grant) or checks a personal access token, then sets the
// session cookie.
func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(signinCookie)
	form := signinData{Login: r.PostFormValue("login"), Method: r.PostFormValue("method")}
	if err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		c.signinFailed(w, r, form, http.StatusForbidden, "this sign-in form has expired; try again")
		return
	}
	token, msg := c.tokenFor(r, form.Method, form.Login, r.PostFormValue("password"), strings.TrimSpace(r.PostFormValue("token")))
	if msg != "" {
		c.signinFailed(w, r, form, http.StatusUnauthorized, msg)
		return
	}
	setCookie(w, r, signinCookie, "", -1)
	setCookie(w, r, sessionCookie, session{Token: token, LastSeen: c.opts.Now()}.encode(), 0)
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// tokenFor returns the bearer token a sign-in yields, or why it failed.
func (c *Console) tokenFor(r *http.Request, method, login, password, pat string) (string, string) {
	ctx, cancel := context.WithTimeout(api.WithRemoteAddr(r.Context(), r.RemoteAddr), 30*time.Second)
	defer cancel()
	if method == "token" {
		if pat == "" {
			return "", "enter a personal access token"
		}
		if _, ok := c.principal(r, pat); !ok {
			return "", "this token is invalid, expired or revoked"
		}
		return pat, ""
	}
	if login == "" || password == "" {
		return "", "enter your login and password"
	}
	sess, err := c.client.Login(ctx, login, password)
	if err != nil {
		if ae, ok := refusalOf(err); ok {
			return "", ae.Message
		}
		c.opts.Logger.Error("console: sign-in failed", "err", err)
		return "", "the sign-in could not be completed on this node; try again"
	}
	return sess.AccessToken, ""
}

func (c *Console) signinFailed(w http.ResponseWriter, r *http.Request, form signinData, status int, msg string) {
	form.Nonce = randomToken()
	setCookie(w, r, signinCookie, form.Nonce, 15*time.Minute)
	c.render(w, status, "signin", view{Title: "Sign in", Error: msg, Data: form}, nil)
}

// signout clears the session cookie (CSRF-checked, so another site
// cannot sign a user out).
func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	q, ok := c.session(w, r)
	if !ok {
		return
	}
	if !q.sess.validCSRF(csrfOf(r)) {
		c.fail(w, r, q, &APIError{Status: http.StatusForbidden, Message: "missing or wrong CSRF token"})
		return
	}
	setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}
