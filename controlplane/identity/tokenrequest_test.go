package identity_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// TestTokenRequestShapes: the client_credentials grant in every shape
// OAuth 2 clients and Talend's documentation send: a JSON or form body
// with audience, the client id and secret by HTTP Basic or in the body
// (client_secret_post). The answer is never cached.
func TestTokenRequestShapes(t *testing.T) {
	srv := cptest.Start(t)
	var sa serviceAccount
	srv.Client(cptest.AdminToken).Must(t, 201, "POST", "/account/service-accounts",
		map[string]any{"name": "shapes", "permissions": []string{state.PermEnvironmentManagement}}, &sa)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(sa.ID+":"+sa.Secret))
	form := func(v url.Values) string { return v.Encode() }
	const audience = "https://api.us.cloud.talend.com"
	for _, tc := range []struct {
		name, contentType, auth, body string
		want                          int
	}{
		{"Talend's JSON body with audience, HTTP Basic", "application/json", basic,
			`{"audience":"` + audience + `","grant_type":"client_credentials"}`, 200},
		{"form with audience, HTTP Basic", "application/x-www-form-urlencoded", basic,
			form(url.Values{"grant_type": {"client_credentials"}, "audience": {audience}}), 200},
		{"form, client_secret_post", "application/x-www-form-urlencoded", "",
			form(url.Values{"grant_type": {"client_credentials"}, "audience": {audience}, "client_id": {sa.ID}, "client_secret": {sa.Secret}}), 200},
		{"JSON, client_secret_post", "application/json", "",
			`{"grant_type":"client_credentials","client_id":"` + sa.ID + `","client_secret":"` + sa.Secret + `"}`, 200},
		{"client_secret_post with a wrong secret", "application/x-www-form-urlencoded", "",
			form(url.Values{"grant_type": {"client_credentials"}, "client_id": {sa.ID}, "client_secret": {"wrong"}}), 401},
		{"credentials twice", "application/x-www-form-urlencoded", basic,
			form(url.Values{"grant_type": {"client_credentials"}, "client_id": {sa.ID}, "client_secret": {sa.Secret}}), 400},
		{"no credentials", "application/json", "", `{"grant_type":"client_credentials","audience":"` + audience + `"}`, 401},
		{"unknown field still refused", "application/json", basic, `{"grant_type":"client_credentials","audiences":"x"}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/security/oauth/token", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, raw)
			}
			if tc.want != 200 {
				return
			}
			var tok struct {
				AccessToken string `json:"access_token"`
				TokenType   string `json:"token_type"`
			}
			if err := json.Unmarshal(raw, &tok); err != nil || tok.TokenType != "Bearer" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("answer %s (Cache-Control %q)", raw, resp.Header.Get("Cache-Control"))
			}
			srv.Client(tok.AccessToken).Must(t, 200, "GET", "/orchestration/environments", nil, nil)
		})
	}
}
