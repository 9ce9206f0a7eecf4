package console_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

// TestConsoleOverHTTP checks, without a browser, what every response
// of the console promises: the redirect from "/", the security headers,
// sign-in required, and refusals of bad sign-ins and forged changes.
func TestConsoleOverHTTP(t *testing.T) {
	srv := cptest.Start(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	tests := []struct {
		path, wantLocation string
		wantStatus         int
	}{
		{"/", "/console/", http.StatusFound},
		{"/console/", "/console/signin?expired=1", http.StatusSeeOther},
		{"/console/engines", "/console/signin?expired=1", http.StatusSeeOther},
		{"/console/signin", "", http.StatusOK},
		{"/console/static/console.css", "", http.StatusOK},
	}
	for _, tc := range tests {
		resp, err := noFollow.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.wantStatus || resp.Header.Get("Location") != tc.wantLocation {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.wantStatus, tc.wantLocation)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
		}
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	post := func(path string, form url.Values) *http.Response {
		t.Helper()
		resp, err := browser.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post("/console/signin", url.Values{"method": {"token"}, "token": {cptest.AdminToken}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without the form's nonce: %d, want 403", resp.StatusCode)
	}
	resp, err := browser.Get(srv.URL + "/console/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(srv.URL + "/console/")
	nonce := func() string {
		for _, c := range jar.Cookies(u) {
			if c.Name == "roundhouse_signin" {
				return c.Value
			}
		}
		return ""
	}
	if resp := post("/console/signin", url.Values{"csrf": {nonce()}, "method": {"token"}, "token": {"rhp_wrong"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("sign-in with a wrong token: %d, want 401", resp.StatusCode)
	}
	signin := &http.Client{Jar: jar, CheckRedirect: noFollow.CheckRedirect}
	resp, err = signin.PostForm(srv.URL+"/console/signin", url.Values{"csrf": {nonce()}, "method": {"token"}, "token": {cptest.AdminToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("sign-in with the admin token: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "roundhouse_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/console/" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/console/", session)
	}
	if resp := post("/console/environments", url.Values{"name": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a change without the CSRF token: %d, want 403", resp.StatusCode)
	}
	var envs []struct{ ID string }
	srv.Client(cptest.AdminToken).Must(t, 200, "GET", "/orchestration/environments?name=forged", nil, &envs)
	if len(envs) != 0 {
		t.Fatal("the forged change was applied")
	}
}
