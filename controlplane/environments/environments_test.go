package environments_test

import (
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

type env struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
}

type workspace struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Type          string `json:"type"`
	EnvironmentID string `json:"environmentId"`
}

func TestBootstrapCreatesDefaultEnvironmentAndWorkspaces(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	var envs []env
	c.Must(t, 200, "GET", "/orchestration/environments", nil, &envs)
	if len(envs) != 1 || envs[0].Name != "default" || !envs[0].Default {
		t.Fatalf("environments after bootstrap = %+v", envs)
	}
	var ws []workspace
	c.Must(t, 200, "GET", "/orchestration/workspaces?environmentId="+envs[0].ID, nil, &ws)
	types := map[string]string{}
	for _, w := range ws {
		types[w.Type] = w.Name
	}
	if types["SHARED"] != "Shared" || types["PERSONAL"] != "Personal(admin)" {
		t.Fatalf("default workspaces = %+v", ws)
	}
}

func TestBadInputGetsClearErrorsAndChangesNothing(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	admin.Must(t, 201, "POST", "/orchestration/environments", map[string]string{"name": "taken"}, nil)
	huge := []byte(`{"name":"x","description":"` + strings.Repeat("a", 2<<20) + `"}`)
	cases := []struct {
		name   string
		client *cptest.Client
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"malformed JSON", admin, "POST", "/orchestration/environments", []byte(`{"name":`), 400, "INVALID_REQUEST"},
		{"not an object", admin, "POST", "/orchestration/environments", []byte(`[1,2]`), 400, "INVALID_REQUEST"},
		{"two values", admin, "POST", "/orchestration/environments", []byte(`{"name":"a"}{"name":"b"}`), 400, "INVALID_REQUEST"},
		{"empty body", admin, "POST", "/orchestration/environments", []byte(``), 400, "INVALID_REQUEST"},
		{"unknown field", admin, "POST", "/orchestration/environments", map[string]string{"name": "x", "colour": "red"}, 400, "INVALID_REQUEST"},
		{"wrong type", admin, "POST", "/orchestration/environments", map[string]int{"name": 3}, 400, "INVALID_REQUEST"},
		{"oversized body", admin, "POST", "/orchestration/environments", huge, 413, "PAYLOAD_TOO_LARGE"},
		{"missing name", admin, "POST", "/orchestration/environments", map[string]string{"description": "d"}, 400, "INVALID_REQUEST"},
		{"blank name", admin, "POST", "/orchestration/environments", map[string]string{"name": "  "}, 400, "INVALID_REQUEST"},
		{"name too long", admin, "POST", "/orchestration/environments", map[string]string{"name": strings.Repeat("n", 256)}, 400, "INVALID_REQUEST"},
		{"duplicate name", admin, "POST", "/orchestration/environments", map[string]string{"name": "taken"}, 409, "CONFLICT"},
		{"duplicate name other case", admin, "POST", "/orchestration/environments", map[string]string{"name": "TAKEN"}, 409, "CONFLICT"},
		{"missing token", srv.Client(""), "POST", "/orchestration/environments", map[string]string{"name": "x"}, 401, "UNAUTHORIZED"},
		{"wrong token", srv.Client("rhp_not-a-real-token"), "POST", "/orchestration/environments", map[string]string{"name": "x"}, 401, "UNAUTHORIZED"},
		{"bad environment id", admin, "GET", "/orchestration/workspaces?environmentId=zzz", nil, 400, "INVALID_REQUEST"},
		{"workspace in unknown environment", admin, "POST", "/orchestration/workspaces", map[string]string{"name": "w", "environmentId": "0123456789abcdef01234567"}, 404, "NOT_FOUND"},
		{"workspace owner not a uuid", admin, "POST", "/orchestration/workspaces", map[string]string{"name": "w", "environmentId": "0123456789abcdef01234567", "owner": "bob"}, 400, "INVALID_REQUEST"},
		{"unknown environment", admin, "GET", "/orchestration/environments/0123456789abcdef01234567", nil, 404, "NOT_FOUND"},
		{"unknown route", admin, "GET", "/orchestration/nothing", nil, 404, "NOT_FOUND"},
		{"bad consistency", admin, "GET", "/orchestration/environments?consistency=maybe", nil, 400, "INVALID_REQUEST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.client.MustFail(t, tc.status, tc.method, tc.path, tc.body)
			if e.Code != tc.code {
				t.Fatalf("code %s, want %s (%s)", e.Code, tc.code, e.Message)
			}
		})
	}
	var envs []env
	admin.Must(t, 200, "GET", "/orchestration/environments", nil, &envs)
	if len(envs) != 2 {
		t.Fatalf("failed requests changed state: environments = %+v", envs)
	}
}

func TestWrongContentTypeRefused(t *testing.T) {
	srv := cptest.Start(t)
	status, _, err := srv.Client(cptest.AdminToken).Send("POST", "/orchestration/environments", "application/x-www-form-urlencoded", []byte(`name=x`))
	if err != nil {
		t.Fatal(err)
	}
	if status != 415 {
		t.Fatalf("status %d, want 415", status)
	}
}

func TestWorkspaceRules(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	var e env
	c.Must(t, 201, "POST", "/orchestration/environments", map[string]any{"name": "staging", "workspace": map[string]string{"name": "first"}}, &e)
	var ws []workspace
	c.Must(t, 200, "GET", "/orchestration/workspaces?environmentId="+e.ID, nil, &ws)
	if len(ws) != 1 || ws[0].Name != "first" || ws[0].Type != "CUSTOM" {
		t.Fatalf("an environment is created with its first workspace: %+v", ws)
	}
	var second workspace
	c.Must(t, 201, "POST", "/orchestration/workspaces", map[string]string{"name": "second", "environmentId": e.ID}, &second)
	c.MustFail(t, 409, "POST", "/orchestration/workspaces", map[string]string{"name": "Second", "environmentId": e.ID})
	c.MustFail(t, 409, "PATCH", "/orchestration/workspaces/"+second.ID, map[string]string{"name": "first"})
	c.Must(t, 200, "PATCH", "/orchestration/workspaces/"+second.ID, map[string]string{"name": "renamed"}, nil)

	// Deleting one of two workspaces keeps the environment...
	c.Must(t, 204, "DELETE", "/orchestration/workspaces/"+ws[0].ID, nil, nil)
	c.Must(t, 200, "GET", "/orchestration/environments/"+e.ID, nil, nil)
	// ...deleting the last one deletes it.
	c.Must(t, 204, "DELETE", "/orchestration/workspaces/"+second.ID, nil, nil)
	c.MustFail(t, 404, "GET", "/orchestration/environments/"+e.ID, nil)

	// The default environment and its built-in workspaces stay.
	var envs []env
	c.Must(t, 200, "GET", "/orchestration/environments", nil, &envs)
	def := envs[0]
	c.MustFail(t, 409, "DELETE", "/orchestration/environments/"+def.ID, nil)
	c.MustFail(t, 409, "PATCH", "/orchestration/environments/"+def.ID, map[string]string{"name": "other"})
	c.Must(t, 200, "GET", "/orchestration/workspaces?environmentId="+def.ID, nil, &ws)
	for _, w := range ws {
		c.MustFail(t, 409, "DELETE", "/orchestration/workspaces/"+w.ID, nil)
	}
}

func TestEnvironmentDeleteTakesWorkspaces(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	var e env
	c.Must(t, 201, "POST", "/orchestration/environments", map[string]string{"name": "tmp"}, &e)
	c.Must(t, 201, "POST", "/orchestration/workspaces", map[string]string{"name": "w2", "environmentId": e.ID}, nil)
	c.Must(t, 204, "DELETE", "/orchestration/environments/"+e.ID, nil, nil)
	var ws []workspace
	c.Must(t, 200, "GET", "/orchestration/workspaces?environmentId="+e.ID, nil, &ws)
	if len(ws) != 0 {
		t.Fatalf("workspaces of a deleted environment remain: %+v", ws)
	}
}
