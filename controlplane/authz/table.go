package authz

import (
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Access is what a route requires.
type Access struct {
	// Public routes need no token (health, metrics, webhooks).
	Public bool
	// AnyOf lists permissions of which the caller needs one; empty means
	// any authenticated principal. Handlers may narrow further (e.g. only
	// one's own tokens) and say so in Note.
	AnyOf []string
	// Note explains a rule a reader would not guess.
	Note string
}

// Rule binds a route (httprouter pattern) to its access requirement.
type Rule struct {
	Method string
	Path   string
	Access Access
}

func perm(p ...string) Access { return Access{AnyOf: p} }

var (
	public        = Access{Public: true}
	authenticated = Access{}
)

// Table is every endpoint of the API. Keep it sorted by path.
func Table() []Rule {
	return []Rule{
		{"GET", "/account/access-tokens", Access{Note: "own tokens; ?all=true needs Users - Manage"}},
		{"POST", "/account/access-tokens", Access{Note: "creates a token for the caller"}},
		{"DELETE", "/account/access-tokens/:id", Access{Note: "own token, or any with Users - Manage"}},
		{"GET", "/account/audit-logs", perm(state.PermAuditLogsView)},
		{"GET", "/account/me", authenticated},

		{"GET", "/cluster/members", perm(state.PermControlPlaneManagement)},
		{"POST", "/cluster/members", perm(state.PermControlPlaneManagement)},
		{"DELETE", "/cluster/members/:id", perm(state.PermControlPlaneManagement)},
		{"GET", "/cluster/status", perm(state.PermControlPlaneManagement)},

		{"GET", "/health", public},
		{"GET", "/metrics", Access{Public: true, Note: "Prometheus scrape; no secrets in metrics"}},

		{"GET", "/orchestration/artifact-blobs/:digest", Access{Note: "download by digest; engines will use their session identity"}},
		{"GET", "/orchestration/artifacts", authenticated},
		{"POST", "/orchestration/artifacts", Access{AnyOf: []string{state.PermOperator, state.PermStudioDeveloper},
			Note: "publish; the workspace Publish permission is checked once workspace permissions exist (issue 3)"}},
		{"GET", "/orchestration/artifacts/:id", authenticated},
		{"DELETE", "/orchestration/artifacts/:id", perm(state.PermOperator)},
		{"GET", "/orchestration/artifacts/:id/content", authenticated},
		{"GET", "/orchestration/artifacts/:id/versions", authenticated},

		{"GET", "/orchestration/environments", authenticated},
		{"POST", "/orchestration/environments", perm(state.PermEnvironmentManagement)},
		{"GET", "/orchestration/environments/:id", authenticated},
		{"PATCH", "/orchestration/environments/:id", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/orchestration/environments/:id", perm(state.PermEnvironmentManagement)},
		{"GET", "/orchestration/executables/tasks", authenticated},
		{"POST", "/orchestration/executables/tasks", Access{AnyOf: []string{state.PermOperator}, Note: "workspace Author permission: issue 3"}},
		{"GET", "/orchestration/executables/tasks/:id", authenticated},
		{"PATCH", "/orchestration/executables/tasks/:id", perm(state.PermOperator)},
		{"DELETE", "/orchestration/executables/tasks/:id", perm(state.PermOperator)},
		{"GET", "/orchestration/executables/tasks/:id/executions", authenticated},
		{"POST", "/orchestration/executables/tasks/:id/move", Access{AnyOf: []string{state.PermOperator}, Note: "Author on both workspaces: issue 3"}},
		{"POST", "/orchestration/executables/tasks/:id/pause", Access{AnyOf: []string{state.PermOperator}, Note: "workspace Execute permission: issue 3"}},
		{"POST", "/orchestration/executables/tasks/:id/resume", Access{AnyOf: []string{state.PermOperator}, Note: "workspace Execute permission: issue 3"}},
		{"POST", "/orchestration/executables/tasks/:id/run", Access{AnyOf: []string{state.PermOperator}, Note: "workspace Execute permission: issue 3"}},
		{"GET", "/orchestration/executables/tasks/:id/run-config", authenticated},
		{"PUT", "/orchestration/executables/tasks/:id/run-config", Access{AnyOf: []string{state.PermOperator}, Note: "workspace Execute permission: issue 3"}},
		{"GET", "/orchestration/workspaces", authenticated},
		{"POST", "/orchestration/workspaces", perm(state.PermEnvironmentManagement)},
		{"GET", "/orchestration/workspaces/:id", authenticated},
		{"PATCH", "/orchestration/workspaces/:id", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/orchestration/workspaces/:id", perm(state.PermEnvironmentManagement)},

		{"GET", "/processing/executions", authenticated},
		{"POST", "/processing/executions", Access{AnyOf: []string{state.PermOperator}, Note: "workspace Execute permission: issue 3"}},
		{"GET", "/processing/executions/:id", authenticated},
		{"DELETE", "/processing/executions/:id", Access{AnyOf: []string{state.PermOperator}, Note: "stops the execution (the legacy API's verb)"}},
		{"GET", "/processing/executions/:id/logs", authenticated},
		{"POST", "/processing/executions/:id/stop", perm(state.PermOperator)},
	}
}

// Lookup finds the rule of a route pattern.
func Lookup(method, path string) (Rule, bool) {
	for _, r := range Table() {
		if r.Method == method && r.Path == path {
			return r, true
		}
	}
	return Rule{}, false
}

// Allowed reports whether p may call a route with access a.
func Allowed(p *Principal, a Access) bool {
	if a.Public {
		return true
	}
	if p == nil {
		return false
	}
	return len(a.AnyOf) == 0 || p.HasAny(a.AnyOf...)
}
