package environments_test

import (
	"net/url"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

type workspaceInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Owner       string `json:"owner"`
	Type        string `json:"type"`
	Environment *struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Default     *bool  `json:"default"`
	} `json:"environment"`
}

// TestWorkspaceQueries: Talend's query syntax and environmentName narrow
// the list to one environment; a query that cannot be understood is a
// 400 instead of a list of everything.
func TestWorkspaceQueries(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	var staging env
	c.Must(t, 201, "POST", "/orchestration/environments", map[string]any{"name": "staging", "description": "pre-production",
		"workspace": map[string]string{"name": "Team", "description": "the team's workspace"}}, &staging)

	list := func(t *testing.T, query string) []workspaceInfo {
		t.Helper()
		var out []workspaceInfo
		c.Must(t, 200, "GET", "/orchestration/workspaces?"+query, nil, &out)
		return out
	}
	for _, q := range []string{
		"query=" + url.QueryEscape("environment.name==staging"),
		"query=" + url.QueryEscape(`environment.name=="staging"`),
		"environmentName=staging",
		"environmentId=" + staging.ID,
		"query=" + url.QueryEscape("environment.name==staging;name==Team"),
	} {
		t.Run(q, func(t *testing.T) {
			got := list(t, q)
			if len(got) != 1 || got[0].Name != "Team" || got[0].Environment == nil || got[0].Environment.Name != "staging" {
				t.Fatalf("got %+v", got)
			}
			ws := got[0]
			if ws.Description != "the team's workspace" || ws.Environment.ID != staging.ID || ws.Environment.Default == nil || *ws.Environment.Default {
				t.Fatalf("Workspaceinfo fields: %+v env %+v", ws, *ws.Environment)
			}
		})
	}
	if got := list(t, "query="+url.QueryEscape("environment.name==nowhere")); len(got) != 0 {
		t.Fatalf("unknown environment matched %+v", got)
	}
	if got := list(t, "environmentName=staging&query="+url.QueryEscape("name==Shared")); len(got) != 0 {
		t.Fatalf("conjunction matched %+v", got)
	}

	var one workspaceInfo
	c.Must(t, 200, "GET", "/orchestration/workspaces/"+list(t, "environmentName=staging")[0].ID, nil, &one)
	if one.Environment == nil || one.Environment.Description != "pre-production" {
		t.Fatalf("single workspace lacks its environment's description: %+v", one)
	}

	for _, bad := range []string{
		"query=" + url.QueryEscape("environment.colour==blue"),
		"query=" + url.QueryEscape("environment.name=staging"),
		"query=" + url.QueryEscape("garbage"),
		"query=",
		"query=" + url.QueryEscape("name==a;name==b"),
		"environmentNmae=staging",
	} {
		t.Run("bad "+bad, func(t *testing.T) {
			c.MustFail(t, 400, "GET", "/orchestration/workspaces?"+bad, nil)
		})
	}
}
