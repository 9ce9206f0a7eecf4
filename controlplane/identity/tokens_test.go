package identity_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

type token struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
}

func TestTokensShownOnceLimitedAndRevocable(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	var created []token
	for i := 0; i < 4; i++ { // the bootstrap token is the first of five
		var tok token
		admin.Must(t, 201, "POST", "/account/access-tokens", map[string]string{"name": fmt.Sprintf("t%d", i)}, &tok)
		if !strings.HasPrefix(tok.Token, "rhp_") {
			t.Fatalf("created token has no secret: %+v", tok)
		}
		created = append(created, tok)
	}
	e := admin.MustFail(t, 409, "POST", "/account/access-tokens", map[string]string{"name": "sixth"})
	if !strings.Contains(e.Message, "maximum") {
		t.Fatalf("limit message: %s", e.Message)
	}
	// Listing never shows a secret.
	_, raw, _ := admin.Do("GET", "/account/access-tokens", nil)
	for _, tok := range created {
		if strings.Contains(string(raw), tok.Token) {
			t.Fatal("a token secret appears in the list")
		}
	}
	// A new token works; once revoked it does not.
	fresh := srv.Client(created[0].Token)
	fresh.Must(t, 200, "GET", "/account/me", nil, nil)
	admin.Must(t, 204, "DELETE", "/account/access-tokens/"+created[0].ID, nil, nil)
	fresh.MustFail(t, 401, "GET", "/account/me", nil)
	admin.MustFail(t, 404, "DELETE", "/account/access-tokens/"+created[0].ID, nil)
}

func TestAuditRecordsWhoWhatWhenWhere(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	admin.Must(t, 201, "POST", "/orchestration/environments", map[string]string{"name": "audited"}, nil)
	admin.MustFail(t, 409, "POST", "/orchestration/environments", map[string]string{"name": "audited"})
	var entries []struct {
		ActorName, ClientIP, Action, TargetName, RequestID string
		Time                                               string
	}
	admin.Must(t, 200, "GET", "/account/audit-logs", nil, &entries)
	if len(entries) != 1 {
		t.Fatalf("want exactly the one accepted change audited, got %+v", entries)
	}
	got := entries[0]
	if got.ActorName != "admin" || got.ClientIP != "127.0.0.1" || got.Action != "environment.create" ||
		got.TargetName != "audited" || got.RequestID == "" || got.Time == "" {
		t.Fatalf("audit entry = %+v", got)
	}
}
