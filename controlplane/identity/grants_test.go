package identity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// TestNobodyGrantsWhatTheyLack: service accounts, roles and users' roles
// can carry only permissions the caller holds; a refused grant is a 403
// naming the permissions and changes nothing.
func TestNobodyGrantsWhatTheyLack(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	var powerful struct{ ID string }
	admin.Must(t, 201, "POST", "/account/roles", map[string]any{"name": "powerful", "permissions": []string{state.PermUserManagement, state.PermRoleManagement}}, &powerful)
	var modest struct{ ID string }
	admin.Must(t, 201, "POST", "/account/roles", map[string]any{"name": "modest", "permissions": []string{state.PermEnvironmentManagement}}, &modest)
	var sa struct{ ID string }
	admin.Must(t, 201, "POST", "/account/service-accounts", map[string]any{"name": "existing", "permissions": []string{state.PermUserManagement}}, &sa)

	saManager := srv.Client(srv.NewUser(t, state.PermServiceAccountManagement, state.PermEnvironmentManagement).Token)
	roleManager := srv.Client(srv.NewUser(t, state.PermRoleManagement).Token)
	userManager := srv.Client(srv.NewUser(t, state.PermUserManagement, state.PermEnvironmentManagement).Token)
	for _, tc := range []struct {
		name         string
		c            *cptest.Client
		method, path string
		body         any
		want         int
	}{
		{"service account with Users - Manage", saManager, "POST", "/account/service-accounts",
			map[string]any{"name": "escalate", "permissions": []string{state.PermUserManagement}}, 403},
		{"service account with own permissions", saManager, "POST", "/account/service-accounts",
			map[string]any{"name": "fine", "permissions": []string{state.PermEnvironmentManagement}}, 201},
		{"service account raised to Users - Manage", saManager, "PUT", "/account/service-accounts/" + sa.ID,
			map[string]any{"name": "existing", "permissions": []string{state.PermUserManagement, state.PermAuditLogsView}}, 403},
		{"service account renamed, keeping what it had", saManager, "PUT", "/account/service-accounts/" + sa.ID,
			map[string]any{"name": "renamed", "permissions": []string{state.PermUserManagement}}, 200},
		{"role with Users - Manage", roleManager, "POST", "/account/roles",
			map[string]any{"name": "escalate", "permissions": []string{state.PermUserManagement}}, 403},
		{"role raised to Users - Manage", roleManager, "PUT", "/account/roles/" + modest.ID,
			map[string]any{"permissions": []string{state.PermEnvironmentManagement, state.PermUserManagement}}, 403},
		{"role with own permission", roleManager, "POST", "/account/roles",
			map[string]any{"name": "roles-only", "permissions": []string{state.PermRoleManagement}}, 201},
		{"user given a role holding Roles - Manage", userManager, "POST", "/account/users",
			map[string]any{"login": "esc@example.test", "email": "esc@example.test", "roles": []string{powerful.ID}}, 403},
		{"user given a modest role", userManager, "POST", "/account/users",
			map[string]any{"login": "ok@example.test", "email": "ok@example.test", "roles": []string{modest.ID}}, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want != 403 {
				tc.c.Must(t, tc.want, tc.method, tc.path, tc.body, nil)
				return
			}
			e := tc.c.MustFail(t, 403, tc.method, tc.path, tc.body)
			if !strings.Contains(e.Message, "do not hold") {
				t.Fatalf("refusal does not say why: %+v", e)
			}
		})
	}
	var list []struct{ Name string }
	admin.Must(t, 200, "GET", "/account/service-accounts", nil, &list)
	for _, s := range list {
		if s.Name == "escalate" {
			t.Fatal("a refused service account was created")
		}
	}
	var role struct{ Permissions []string }
	admin.Must(t, 200, "GET", "/account/roles/"+modest.ID, nil, &role)
	if len(role.Permissions) != 1 {
		t.Fatalf("a refused role change was applied: %v", role.Permissions)
	}
}

// TestSecretAnswersAreNotCached: answers carrying a secret say no-store.
func TestSecretAnswersAreNotCached(t *testing.T) {
	srv := cptest.Start(t)
	for _, tc := range []struct{ path, body string }{
		{"/account/service-accounts", `{"name":"cached","permissions":[]}`},
		{"/account/access-tokens", `{"name":"cached"}`},
	} {
		resp, err := srv.API(cptest.AdminToken).Raw(context.Background(), "POST", tc.path, nil, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Errorf("POST %s: %v", tc.path, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 201 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("POST %s: %d, Cache-Control %q", tc.path, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
}
