package identity_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// syncBuffer collects the server's log output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecretsNeverShown creates every kind of secret, uses it, fails with
// it, and then checks that neither the secret nor its stored hash appears
// in the server's logs (at debug level) or in any read of the API.
func TestSecretsNeverShown(t *testing.T) {
	logs := &syncBuffer{}
	srv := cptest.Start(t, func(c *controlplaneConfig) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	admin := srv.Client(cptest.AdminToken)
	u := srv.NewUser(t, state.PermEnvironmentManagement)
	secrets := []string{cptest.AdminToken, cptest.TestPassword, u.Token}

	var sa serviceAccount
	admin.Must(t, 201, "POST", "/account/service-accounts", map[string]any{"name": "ci", "permissions": []string{state.PermUserManagement}}, &sa)
	_, saToken := basicToken(t, srv, sa.ID, sa.Secret)
	basicToken(t, srv, sa.ID, sa.Secret+"x")
	var sess struct {
		AccessToken string `json:"access_token"`
	}
	srv.Client("").Must(t, 200, "POST", "/security/oauth/token", map[string]string{"grant_type": "password", "username": u.Login, "password": cptest.TestPassword}, &sess)
	login(srv, u.Login, "Wrong-but-close-passw0rd!")
	admin.Must(t, 204, "PUT", "/account/users/"+u.ID+"/password", map[string]string{"password": "Admin-set-passw0rd!"}, nil)
	srv.Client(saToken).Must(t, 200, "GET", "/account/users?search="+u.Login, nil, nil)
	secrets = append(secrets, sa.Secret, saToken, sess.AccessToken, "Wrong-but-close-passw0rd!", "Admin-set-passw0rd!")

	var reads []string
	for _, path := range []string{"/account/users", "/account/users/" + u.ID, "/account/users/export", "/account/me",
		"/account/access-tokens?all=true", "/account/service-accounts", "/account/service-accounts/" + sa.ID,
		"/account/audit-logs", "/account/password-policy", "/account/roles"} {
		st, raw, err := admin.Do("GET", path, nil)
		if err != nil || st != 200 {
			t.Fatalf("GET %s: %d %v", path, st, err)
		}
		reads = append(reads, string(raw))
	}
	st, raw, _ := srv.Client(saToken).Do("GET", "/account/me", nil)
	reads = append(reads, string(raw))
	if st != 200 || !strings.Contains(string(raw), sa.ID) {
		t.Fatalf("service account /account/me: %d %s", st, raw)
	}
	all := logs.String() + strings.Join(reads, "\n")
	if !strings.Contains(logs.String(), "/security/oauth/token") {
		t.Fatal("the debug request log was not captured; the test would prove nothing")
	}
	for _, s := range secrets {
		for _, form := range []string{s, authn.HashToken(s)} {
			if strings.Contains(all, form) {
				t.Errorf("a secret or its hash (%.6s...) appears in logs or reads", form)
			}
		}
	}
	if strings.Contains(all, "argon2id") || strings.Contains(all, "secretHash") || strings.Contains(all, "passwordHash") {
		t.Error("a password or secret hash field appears in logs or reads")
	}
}
