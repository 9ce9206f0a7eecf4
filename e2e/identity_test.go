package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/e2e/harness"
)

// TestIdentityAcrossNodes: credentials and their refusals are replicated
// state, so they hold on every node and survive losing the leader. A
// service-account token issued by one node works on the others; a
// lock-out earned on two nodes holds on the third; a deactivation made on
// one node refuses the user's token everywhere.
func TestIdentityAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 3)
	leader, followers := leaderOf(t, nodes)
	admin := harness.NewClient(leader.HTTPAddr, testToken)

	var sa struct{ ID, Secret string }
	if err := admin.JSON("POST", "/account/service-accounts", map[string]any{"name": "e2e", "permissions": []string{"TMC_SERVICE_ACCOUNT_MANAGEMENT"}}, &sa); err != nil {
		t.Fatal(err)
	}
	var role struct{ ID string }
	if err := admin.JSON("POST", "/account/roles", map[string]any{"name": "e2e", "permissions": []string{"TMC_OPERATOR"}}, &role); err != nil {
		t.Fatal(err)
	}
	const pw = "E2e-passw0rd!"
	var user struct{ ID string }
	if err := admin.JSON("POST", "/account/users", map[string]any{"login": "e2e", "email": "e2e@example.test", "roles": []string{role.ID}, "password": pw}, &user); err != nil {
		t.Fatal(err)
	}
	if err := admin.JSON("PUT", "/account/password-policy", map[string]any{"maxFailedAttempts": 2, "lockoutDurationSeconds": 600}, nil); err != nil {
		t.Fatal(err)
	}

	var saToken string
	harness.WaitFor(t, "client credentials on a follower", 10*time.Second, func() bool {
		st, tok := clientCredentials(followers[0].HTTPAddr, sa.ID, sa.Secret)
		saToken = tok
		return st == 200
	})
	harness.WaitFor(t, "the token on the other follower", 10*time.Second, func() bool {
		st, _, _ := harness.NewClient(followers[1].HTTPAddr, saToken).Do("GET", "/account/service-accounts", nil)
		return st == 200
	})

	// One wrong password on each follower locks the user everywhere.
	for _, n := range followers {
		st, _, _ := harness.NewClient(n.HTTPAddr, "").Do("POST", "/security/oauth/token", map[string]string{"grant_type": "password", "username": "e2e", "password": "Wrong-passw0rd!"})
		if st != 401 && st != 403 {
			t.Fatalf("wrong password on %s: %d", n.ID, st)
		}
	}
	harness.WaitFor(t, "the lock-out on the leader", 10*time.Second, func() bool {
		st, raw, _ := harness.NewClient(leader.HTTPAddr, "").Do("POST", "/security/oauth/token", map[string]string{"grant_type": "password", "username": "e2e", "password": pw})
		return st == 403 && strings.Contains(string(raw), "ACCOUNT_LOCKED")
	})

	// Losing the leader loses neither the token nor the lock-out.
	leader.Kill()
	survivor := followers[0]
	survivor.WaitLeader(t, 15*time.Second)
	harness.WaitFor(t, "service-account token after failover", 15*time.Second, func() bool {
		st, _, _ := harness.NewClient(survivor.HTTPAddr, saToken).Do("GET", "/account/service-accounts", nil)
		return st == 200
	})
	st, raw, _ := harness.NewClient(followers[1].HTTPAddr, "").Do("POST", "/security/oauth/token", map[string]string{"grant_type": "password", "username": "e2e", "password": pw})
	if st != 403 || !strings.Contains(string(raw), "ACCOUNT_LOCKED") {
		t.Fatalf("lock-out after failover: %d %s", st, raw)
	}

	// Deleting the service account on one node refuses its token on the other.
	c := harness.NewClient(survivor.HTTPAddr, testToken)
	harness.WaitFor(t, "delete the service account", 15*time.Second, func() bool {
		return c.JSON("DELETE", "/account/service-accounts/"+sa.ID, nil, nil) == nil
	})
	harness.WaitFor(t, "the token refused on the other node", 10*time.Second, func() bool {
		st, _, _ := harness.NewClient(followers[1].HTTPAddr, saToken).Do("GET", "/account/service-accounts", nil)
		return st == 401
	})
}

func clientCredentials(addr, id, secret string) (int, string) {
	out, err := harness.NewClient(addr, "").API().ServiceAccountToken(context.Background(), id, secret)
	if err != nil {
		return api.StatusCode(err), ""
	}
	return http.StatusOK, out.AccessToken
}
