package conformance_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

// TestFreeTextCaps: every free-text field of the API refuses a value one
// character past its documented cap with a 400 naming the field, and
// accepts one at the cap.
func TestFreeTextCaps(t *testing.T) {
	n := newNode(t)
	admin := n.srv.Client(cptest.AdminToken)
	var ip struct {
		IPs []struct{ ID string } `json:"ips"`
	}
	admin.Must(t, 201, "POST", "/v1/management/ip-allowlist", map[string]any{"enabled": false, "ips": []map[string]string{{"ip": "10.9.9.9"}}}, &ip)
	vars := n.vars
	ipPath := "/v1/management/ip-allowlist/ips/" + ip.IPs[0].ID
	for _, tc := range []struct {
		name, method, path, field string
		body                      func(v string) any
	}{
		{"environment name", "POST", "/orchestration/environments", "name", func(v string) any { return map[string]any{"name": v} }},
		{"environment description", "POST", "/orchestration/environments", "description", func(v string) any {
			return map[string]any{"name": "env-" + suffix(v), "description": v}
		}},
		{"workspace name", "POST", "/orchestration/workspaces", "name", func(v string) any {
			return map[string]any{"name": v, "environmentId": vars["environmentId"]}
		}},
		{"workspace description", "POST", "/orchestration/workspaces", "description", func(v string) any {
			return map[string]any{"name": "ws-" + suffix(v), "environmentId": vars["environmentId"], "description": v}
		}},
		{"user login", "POST", "/account/users", "login", func(v string) any { return map[string]any{"login": v, "email": "a@example.test"} }},
		{"user email", "POST", "/account/users", "email", func(v string) any { return map[string]any{"login": "l" + suffix(v) + "@example.test", "email": v} }},
		{"user first name", "PATCH", "/account/users/" + vars["userId"], "firstName", func(v string) any { return map[string]any{"firstName": v} }},
		{"user last name", "PATCH", "/account/users/" + vars["userId"], "lastName", func(v string) any { return map[string]any{"lastName": v} }},
		{"role name", "POST", "/account/roles", "name", func(v string) any { return map[string]any{"name": v, "permissions": []string{}} }},
		{"role description", "POST", "/account/roles", "description", func(v string) any {
			return map[string]any{"name": "role-" + suffix(v), "description": v, "permissions": []string{}}
		}},
		{"group name", "POST", "/account/groups", "name", func(v string) any { return map[string]any{"name": v} }},
		{"group description", "POST", "/account/groups", "description", func(v string) any {
			return map[string]any{"name": "group-" + suffix(v), "description": v}
		}},
		{"service account name", "POST", "/account/service-accounts", "name", func(v string) any { return map[string]any{"name": v, "permissions": []string{}} }},
		{"access token name", "POST", "/account/access-tokens", "name", func(v string) any { return map[string]any{"name": v} }},
		{"IP allowlist description", "PUT", "/v1/management/ip-allowlist", "description", func(v string) any { return map[string]any{"description": v} }},
		{"IP entry description", "PUT", ipPath, "description", func(v string) any { return map[string]any{"ip": "10.9.9.9", "description": v} }},
		{"task name", "POST", "/orchestration/executables/tasks", "name", func(v string) any {
			return map[string]any{"name": v, "workspaceId": vars["workspaceId"], "artifact": map[string]any{"id": vars["artifactId"], "version": "1.0.0"}}
		}},
		{"task description", "POST", "/orchestration/executables/tasks", "description", func(v string) any {
			return map[string]any{"name": "task-" + suffix(v), "description": v, "workspaceId": vars["workspaceId"],
				"artifact": map[string]any{"id": vars["artifactId"], "version": "1.0.0"}}
		}},
		{"task parameter value", "POST", "/orchestration/executables/tasks", "CITY", func(v string) any {
			return map[string]any{"name": "task-" + suffix(v), "workspaceId": vars["workspaceId"],
				"artifact": map[string]any{"id": vars["artifactId"], "version": "1.0.0"}, "parameters": map[string]string{"CITY": v}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limit := api.TextCap(tc.field, tc.field == "CITY")
			e := admin.MustFail(t, 400, tc.method, tc.path, tc.body(strings.Repeat("é", limit+1)))
			if !strings.Contains(e.Message, tc.field) || !strings.Contains(e.Message, "at most") {
				t.Fatalf("refusal does not name the field and cap: %s", e.Message)
			}
			// At the cap the cap itself refuses nothing (other rules may).
			status, raw, err := admin.Do(tc.method, tc.path, tc.body(strings.Repeat("é", limit)))
			if err != nil || strings.Contains(string(raw), "at most") {
				t.Fatalf("a value at the cap was refused for its length: %d %s %v", status, raw, err)
			}
		})
	}
	// A body of 900,000 characters in one description changes nothing.
	admin.MustFail(t, 400, "PUT", ipPath, map[string]any{"ip": "10.9.9.9", "description": strings.Repeat("x", 900_000)})
	var entry struct{ Description string }
	admin.Must(t, 200, "GET", ipPath, nil, &entry)
	if n := utf8.RuneCountInString(entry.Description); n > api.TextCap("description", false) {
		t.Fatalf("an over-long description was stored (%d characters)", n)
	}
}

// suffix tells apart the names of the over-cap and at-cap attempts.
func suffix(v string) string { return strconv.Itoa(len(v)) }
