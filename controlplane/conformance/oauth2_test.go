package conformance_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// TestOAuth2ClientCredentials: a stock OAuth 2 client, configured as for
// Talend Cloud (the audience as an endpoint parameter), gets tokens with
// either way of sending the client secret and makes calls with them.
func TestOAuth2ClientCredentials(t *testing.T) {
	srv := cptest.Start(t)
	var sa struct{ ID, Secret string }
	srv.Client(cptest.AdminToken).Must(t, 201, "POST", "/account/service-accounts",
		map[string]any{"name": "oauth2", "permissions": []string{state.PermEnvironmentManagement}}, &sa)
	for name, style := range map[string]oauth2.AuthStyle{
		"secret by HTTP Basic":    oauth2.AuthStyleInHeader,
		"secret in the form body": oauth2.AuthStyleInParams,
	} {
		t.Run(name, func(t *testing.T) {
			cfg := clientcredentials.Config{
				ClientID: sa.ID, ClientSecret: sa.Secret,
				TokenURL:       srv.URL + "/security/oauth/token",
				EndpointParams: url.Values{"audience": {"https://api.us.cloud.talend.com"}},
				AuthStyle:      style,
			}
			ctx := context.Background()
			tok, err := cfg.Token(ctx)
			if err != nil {
				t.Fatalf("token: %v", err)
			}
			if tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
				t.Fatalf("token %+v", tok)
			}
			resp, err := cfg.Client(ctx).Get(srv.URL + "/orchestration/environments")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var envs []struct{ ID, Name string }
			if err := json.NewDecoder(resp.Body).Decode(&envs); err != nil || resp.StatusCode != 200 || len(envs) == 0 {
				t.Fatalf("call with the token: %d %v %+v", resp.StatusCode, err, envs)
			}
		})
	}
	bad := clientcredentials.Config{ClientID: sa.ID, ClientSecret: "wrong", TokenURL: srv.URL + "/security/oauth/token",
		EndpointParams: url.Values{"audience": {"https://api.us.cloud.talend.com"}}, AuthStyle: oauth2.AuthStyleInParams}
	if _, err := bad.Token(context.Background()); err == nil {
		t.Fatal("a wrong secret got a token")
	}
}
