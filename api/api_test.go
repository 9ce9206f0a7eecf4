package api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

// client returns an administrator's client of a fresh node.
func client(t *testing.T) (*cptest.Server, *api.Client) {
	t.Helper()
	srv := cptest.Start(t)
	c, err := api.New(api.Config{Address: srv.URL, Token: cptest.AdminToken})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestNewRefusesABadAddress(t *testing.T) {
	for _, addr := range []string{"ftp://x", "http://", "::"} {
		if _, err := api.New(api.Config{Address: addr}); err == nil {
			t.Errorf("New(%q) accepted", addr)
		}
	}
	c, err := api.New(api.Config{Address: "127.0.0.1:9"})
	if err != nil || c.Address() != "http://127.0.0.1:9" {
		t.Fatalf("host:port = %v, %v", c, err)
	}
}

func TestEnvironmentsAndWorkspacesRoundTrip(t *testing.T) {
	_, c := client(t)
	ctx := ctx(t)
	env, err := c.Environments().Create(ctx, api.EnvironmentCreate{Name: "staging", Description: "pre-prod"})
	if err != nil || env.ID == "" || env.Name != "staging" {
		t.Fatalf("create = %+v, %v", env, err)
	}
	list, err := c.Environments().List(ctx, "staging")
	if err != nil || len(list) != 1 || list[0].ID != env.ID {
		t.Fatalf("list by name = %+v, %v", list, err)
	}
	desc := "changed"
	if got, err := c.Environments().Update(ctx, env.ID, api.EnvironmentUpdate{Description: &desc}); err != nil || got.Description != desc {
		t.Fatalf("update = %+v, %v", got, err)
	}
	wss, err := c.Workspaces().List(ctx, api.WorkspaceFilter{EnvironmentID: env.ID})
	if err != nil || len(wss) != 1 || wss[0].Name != "Shared" {
		t.Fatalf("the new environment's workspaces = %+v, %v", wss, err)
	}
	ws, err := c.Workspaces().Create(ctx, api.WorkspaceCreate{Name: "team", EnvironmentID: env.ID})
	if err != nil || ws.EnvironmentID != env.ID {
		t.Fatalf("create workspace = %+v, %v", ws, err)
	}
	if got, err := c.Workspaces().Get(ctx, ws.ID); err != nil || got.Name != "team" || got.Environment.Name != "staging" {
		t.Fatalf("get workspace = %+v, %v", got, err)
	}
	byQuery, err := c.Workspaces().List(ctx, api.WorkspaceFilter{Query: "environment.name==staging;name==team"})
	if err != nil || len(byQuery) != 1 || byQuery[0].ID != ws.ID {
		t.Fatalf("workspaces by query = %+v, %v", byQuery, err)
	}
}

// Refusals arrive as *api.Error with the status and the API's code,
// message and request ID.
func TestRefusalsAreTypedErrors(t *testing.T) {
	srv, c := client(t)
	ctx := ctx(t)
	if _, err := c.Environments().Create(ctx, api.EnvironmentCreate{Name: "taken"}); err != nil {
		t.Fatal(err)
	}
	nobody := c.WithToken(srv.NewUser(t).Token)
	for _, tc := range []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"missing", func() error { _, err := c.Environments().Get(ctx, "0123456789abcdef01234567"); return err }, 404, "NOT_FOUND"},
		{"duplicate", func() error { _, err := c.Environments().Create(ctx, api.EnvironmentCreate{Name: "taken"}); return err }, 409, "CONFLICT"},
		{"invalid", func() error { _, err := c.Environments().Create(ctx, api.EnvironmentCreate{}); return err }, 400, "INVALID_REQUEST"},
		{"forbidden", func() error {
			_, err := nobody.Environments().Create(ctx, api.EnvironmentCreate{Name: "x"})
			return err
		}, 403, "FORBIDDEN"},
		{"no token", func() error { _, err := c.WithToken("").Environments().List(ctx, ""); return err }, 401, "UNAUTHORIZED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var e *api.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *api.Error", err, err)
			}
			if e.StatusCode != tc.status || e.Code != tc.code || e.Message == "" || e.RequestID == "" {
				t.Fatalf("error = %+v, want status %d code %s with a message and request ID", e, tc.status, tc.code)
			}
			if api.StatusCode(err) != tc.status || api.ErrorCode(err) != tc.code {
				t.Fatalf("StatusCode/ErrorCode = %d/%s", api.StatusCode(err), api.ErrorCode(err))
			}
		})
	}
}

// A client cloned with another token calls as that caller, sharing the
// HTTP client; the original is unchanged.
func TestWithTokenCallsAsAnotherCaller(t *testing.T) {
	srv, admin := client(t)
	ctx := ctx(t)
	u := srv.NewUser(t)
	as := admin.WithToken(u.Token)
	me, err := as.Me(ctx)
	if err != nil || me.ID != u.ID || me.Login != u.Login {
		t.Fatalf("me as the user = %+v, %v", me, err)
	}
	if me, err := admin.Me(ctx); err != nil || me.ID == u.ID {
		t.Fatalf("the original client changed caller: %+v, %v", me, err)
	}
	if admin.Token() != cptest.AdminToken || as.Token() != u.Token {
		t.Fatal("tokens mixed up")
	}
}

// Through HandlerTransport the node's handler serves calls in-process,
// with the same authentication and permission checks.
func TestHandlerTransportServesInProcess(t *testing.T) {
	srv := cptest.Start(t)
	ctx := ctx(t)
	c, err := api.New(api.Config{Address: "http://in-process",
		HTTPClient: &http.Client{Transport: api.HandlerTransport{Handler: srv.Handler()}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Environments().List(ctx, ""); api.StatusCode(err) != 401 {
		t.Fatalf("anonymous in-process list: %v, want 401", err)
	}
	admin := c.WithToken(cptest.AdminToken)
	env, err := admin.Environments().Create(ctx, api.EnvironmentCreate{Name: "in-process"})
	if err != nil {
		t.Fatal(err)
	}
	u := srv.NewUser(t)
	if err := c.WithToken(u.Token).Environments().Delete(ctx, env.ID); !api.IsForbidden(err) {
		t.Fatalf("delete without the permission: %v, want 403", err)
	}
	h, err := c.Health(ctx)
	if err != nil || h.NodeID == "" || h.State != "leader" {
		t.Fatalf("health = %+v, %v", h, err)
	}
}
