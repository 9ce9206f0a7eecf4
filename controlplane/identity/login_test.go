package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func login(srv *cptest.Server, login, password string) (int, []byte) {
	status, raw, _ := srv.Client("").Do("POST", "/security/oauth/token",
		map[string]string{"grant_type": "password", "username": login, "password": password})
	return status, raw
}

func TestLockOutAndExpiry(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	u := srv.NewUser(t, state.PermOperator)
	admin.Must(t, 200, "PUT", "/account/password-policy", map[string]any{"lockoutEnabled": true, "maxFailedAttempts": 3, "lockoutDurationSeconds": 1}, nil)

	for i := 0; i < 2; i++ {
		srv.Client("").MustFail(t, 401, "POST", "/security/oauth/token", map[string]string{"grant_type": "password", "username": u.Login, "password": "Wrong-passw0rd!"})
	}
	e := srv.Client("").MustFail(t, 403, "POST", "/security/oauth/token", map[string]string{"grant_type": "password", "username": u.Login, "password": "Wrong-passw0rd!"})
	if e.Code != "ACCOUNT_LOCKED" {
		t.Fatalf("third failure: %+v", e)
	}
	lockedAt := time.Now()
	// While locked even the right password is refused.
	if st, body := login(srv, u.Login, cptest.TestPassword); st != 403 || !strings.Contains(string(body), "ACCOUNT_LOCKED") {
		t.Fatalf("locked login: %d %s", st, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := login(srv, u.Login, cptest.TestPassword)
		if st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lock-out did not expire: %d", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if waited := time.Since(lockedAt); waited < 900*time.Millisecond {
		t.Fatalf("the lock-out lasted only %s", waited)
	}
	// A success resets the counter: two more failures do not lock.
	for i := 0; i < 2; i++ {
		login(srv, u.Login, "Wrong-passw0rd!")
	}
	if st, body := login(srv, u.Login, cptest.TestPassword); st != 200 {
		t.Fatalf("after reset: %d %s", st, body)
	}

	// Turning expiration on expires every password at once.
	admin.Must(t, 200, "PUT", "/account/password-policy", map[string]any{"expirationEnabled": true, "expirationIntervalDays": 30}, nil)
	if st, body := login(srv, u.Login, cptest.TestPassword); st != 403 || !strings.Contains(string(body), "PASSWORD_EXPIRED") {
		t.Fatalf("expired login: %d %s", st, body)
	}
	change := map[string]string{"login": u.Login, "password": cptest.TestPassword, "newPassword": cptest.TestPassword}
	srv.Client("").MustFail(t, 400, "POST", "/security/password", change)
	change["newPassword"] = "weak"
	srv.Client("").MustFail(t, 400, "POST", "/security/password", change)
	change["newPassword"] = "Another-passw0rd!"
	srv.Client("").Must(t, 204, "POST", "/security/password", change, nil)
	if st, body := login(srv, u.Login, "Another-passw0rd!"); st != 200 {
		t.Fatalf("login with the new password: %d %s", st, body)
	}
	admin.MustFail(t, 400, "PUT", "/account/password-policy", map[string]any{"maxFailedAttempts": 0})
}

func TestLoginNeedsARole(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	admin.Must(t, 201, "POST", "/account/users", map[string]any{"login": "norole", "email": "n@example.test", "password": cptest.TestPassword}, nil)
	if st, body := login(srv, "norole", cptest.TestPassword); st != 403 || !strings.Contains(string(body), "role") {
		t.Fatalf("login without roles: %d %s", st, body)
	}
	srv.Client("").MustFail(t, 401, "POST", "/security/oauth/token", map[string]string{"grant_type": "password", "username": "nobody", "password": "x"})
	srv.Client("").MustFail(t, 400, "POST", "/security/oauth/token", map[string]string{"grant_type": "implicit"})
}

func TestPersonalAccessTokens(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	u := srv.NewUser(t) // holds one token already
	c := srv.Client(u.Token)
	type tok struct{ ID, Name, Owner, Token string }
	var made []tok
	for i := 0; i < 4; i++ {
		var x tok
		c.Must(t, 201, "POST", "/account/access-tokens", map[string]string{"name": "t"}, &x)
		if !strings.HasPrefix(x.Token, "rhp_") {
			t.Fatalf("token secret missing from the creation answer: %+v", x)
		}
		made = append(made, x)
	}
	c.MustFail(t, 409, "POST", "/account/access-tokens", map[string]string{"name": "sixth"})
	var renamed tok
	c.Must(t, 200, "PATCH", "/account/access-tokens/"+made[0].ID, map[string]string{"name": "ci"}, &renamed)
	if renamed.Name != "ci" || renamed.Token != "" {
		t.Fatalf("rename answer: %+v", renamed)
	}
	c.MustFail(t, 403, "GET", "/account/access-tokens?all=true", nil)
	var all []tok
	admin.Must(t, 200, "GET", "/account/access-tokens?all=true", nil, &all)
	owners := map[string]int{}
	var usedOnes []struct {
		ID         string
		LastUsedAt time.Time
	}
	admin.Must(t, 200, "GET", "/account/access-tokens?all=true", nil, &usedOnes)
	for _, x := range usedOnes {
		if x.ID == made[0].ID || x.ID == made[1].ID {
			if !x.LastUsedAt.IsZero() {
				t.Fatalf("an unused token has a last use: %+v", x)
			}
		}
	}
	for _, x := range all {
		owners[x.Owner]++
		if x.Token != "" {
			t.Fatal("a token list shows a secret")
		}
	}
	if owners[u.ID] != 5 {
		t.Fatalf("admin view: %v", owners)
	}
	admin.Must(t, 204, "DELETE", "/account/access-tokens/"+made[1].ID, nil, nil)
	srv.Client(made[1].Token).MustFail(t, 401, "GET", "/account/me", nil)
	srv.Client(made[2].Token).Must(t, 200, "GET", "/account/me", nil, nil)
	var mine []struct {
		ID         string
		LastUsedAt time.Time
	}
	c.Must(t, 200, "GET", "/account/access-tokens", nil, &mine)
	for _, x := range mine {
		if x.ID == made[2].ID && x.LastUsedAt.IsZero() {
			t.Fatal("the used token shows no last use")
		}
	}
}

type serviceAccount struct {
	ID               string    `json:"id"`
	Secret           string    `json:"secret"`
	Name             string    `json:"name"`
	Permissions      []string  `json:"permissions"`
	CreatedDate      time.Time `json:"createdDate"`
	LastModifiedDate time.Time `json:"lastModifiedDate"`
}

func basicToken(t *testing.T, srv *cptest.Server, id, secret string) (int, string) {
	t.Helper()
	out, err := srv.API("").ServiceAccountToken(context.Background(), id, secret)
	if status := api.StatusCode(err); status != 0 {
		return status, ""
	}
	if err != nil || out.TokenType != "Bearer" || out.ExpiresIn != 1800 {
		t.Fatalf("token answer %+v %v", out, err)
	}
	return 200, out.AccessToken
}

func TestServiceAccounts(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	var sa serviceAccount
	status, raw, _ := admin.Do("POST", "/account/service-accounts", map[string]any{"name": "ci", "permissions": []string{state.PermServiceAccountManagement, state.PermEnvironmentManagement}})
	if status != 201 || mustUnmarshal(t, raw, &sa) != nil || sa.Secret == "" || !state.IsUUID(sa.ID) {
		t.Fatalf("create: %d %s", status, raw)
	}
	e := admin.MustFail(t, 409, "POST", "/account/service-accounts", map[string]any{"name": "CI", "permissions": []string{}})
	if e.Detail != "The service account name is already used" {
		t.Fatalf("409 detail: %q", e.Detail)
	}
	admin.MustFail(t, 400, "POST", "/account/service-accounts", map[string]any{"name": "x", "permissions": []string{"TMC_PROJECT_MANAGEMENT"}})
	admin.MustFail(t, 400, "POST", "/account/service-accounts", map[string]any{"name": "x"})
	admin.MustFail(t, 404, "GET", "/account/service-accounts/0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c01", nil)

	var got serviceAccount
	admin.Must(t, 200, "GET", "/account/service-accounts/"+sa.ID, nil, &got)
	if got.Secret != "" || got.Name != "ci" {
		t.Fatalf("read shows %+v", got)
	}
	var count struct {
		Count    int    `json:"count"`
		TenantID string `json:"tenantId"`
	}
	admin.Must(t, 200, "GET", "/account/service-accounts/count", nil, &count)
	var perms []string
	admin.Must(t, 200, "GET", "/account/service-accounts/permissions", nil, &perms)
	if count.Count != 1 || count.TenantID == "" || len(perms) != 12 || perms[0] != "AUDIT_LOGS_VIEW" {
		t.Fatalf("count %+v perms %v", count, perms)
	}

	st, token := basicToken(t, srv, sa.ID, sa.Secret)
	if st != 200 {
		t.Fatalf("client credentials: %d", st)
	}
	if st, _ := basicToken(t, srv, sa.ID, "wrong"); st != 401 {
		t.Fatalf("wrong secret: %d", st)
	}
	c := srv.Client(token)
	c.Must(t, 200, "GET", "/account/service-accounts", nil, nil)
	var used struct {
		LastUsedDate time.Time `json:"lastUsedDate"`
		LastUsedAPI  string    `json:"lastUsedApi"`
	}
	admin.Must(t, 200, "GET", "/account/service-accounts/"+sa.ID, nil, &used)
	if used.LastUsedAPI != "GET /account/service-accounts" || used.LastUsedDate.IsZero() {
		t.Fatalf("last use not recorded: %+v", used)
	}
	c.MustFail(t, 403, "GET", "/account/users/export", nil)

	// PUT changes only name and permissions; what it echoes back is ignored.
	got.Name, got.Permissions = "ci-2", []string{state.PermEnvironmentManagement}
	var upd serviceAccount
	admin.Must(t, 200, "PUT", "/account/service-accounts/"+sa.ID, got, &upd)
	if upd.Name != "ci-2" || upd.CreatedDate != sa.CreatedDate || upd.Secret != "" {
		t.Fatalf("update: %+v", upd)
	}
	c.MustFail(t, 403, "GET", "/account/service-accounts", nil) // permissions follow at once
	var other serviceAccount
	admin.Must(t, 201, "POST", "/account/service-accounts", map[string]any{"name": "other", "permissions": []string{}}, &other)
	admin.MustFail(t, 409, "PUT", "/account/service-accounts/"+other.ID, map[string]any{"name": "ci-2", "permissions": []string{}})

	admin.Must(t, 204, "DELETE", "/account/service-accounts/"+sa.ID, nil, nil)
	c.MustFail(t, 401, "GET", "/account/me", nil)
	admin.MustFail(t, 404, "DELETE", "/account/service-accounts/"+sa.ID, nil)
}

func TestServiceAccountQuota(t *testing.T) {
	srv := cptest.Start(t, func(c *controlplaneConfig) { c.LicenseServiceAccounts = 1 })
	admin := srv.Client(cptest.AdminToken)
	admin.Must(t, 201, "POST", "/account/service-accounts", map[string]any{"name": "a", "permissions": []string{}}, nil)
	admin.MustFail(t, 403, "POST", "/account/service-accounts", map[string]any{"name": "b", "permissions": []string{}})
}
