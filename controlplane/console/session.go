package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Cookie names. The session cookie holds the user's bearer token, the
// time of their last page view and a MAC over both keyed by the token:
// any node can check it, and nobody without the token can forge or
// refresh it.
const (
	sessionCookie = "roundhouse_session"
	signinCookie  = "roundhouse_signin"
)

var b64 = base64.RawURLEncoding

// session is a signed-in browser.
type session struct {
	Token    string
	LastSeen time.Time
}

func mac(token, purpose string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(purpose))
	return b64.EncodeToString(m.Sum(nil))
}

// encode is the cookie value of s.
func (s session) encode() string {
	ts := strconv.FormatInt(s.LastSeen.Unix(), 10)
	return b64.EncodeToString([]byte(s.Token)) + "." + ts + "." + mac(s.Token, "seen:"+ts)
}

// decodeSession checks a cookie value and its idle expiry.
func decodeSession(v string, now time.Time, idle time.Duration) (session, bool) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return session{}, false
	}
	tok, err := b64.DecodeString(parts[0])
	secs, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || err2 != nil || len(tok) == 0 {
		return session{}, false
	}
	if !hmac.Equal([]byte(parts[2]), []byte(mac(string(tok), "seen:"+parts[1]))) {
		return session{}, false
	}
	seen := time.Unix(secs, 0)
	if now.Sub(seen) > idle || seen.After(now.Add(time.Minute)) {
		return session{}, false
	}
	return session{Token: string(tok), LastSeen: seen}, true
}

// csrfToken is the anti-forgery token of a session: forms carry it, and
// only pages served to the cookie's holder know it.
func (s session) csrfToken() string { return mac(s.Token, "csrf") }

func (s session) validCSRF(got string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(s.csrfToken()))
}

// setCookie writes a console cookie: HttpOnly, SameSite=Strict, Secure
// when the request came over TLS, scoped to /console/.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/console/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	} else if maxAge < 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// randomToken is a fresh 256-bit value for the sign-in form's
// double-submit check.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return b64.EncodeToString(b[:])
}
