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

		{"GET", "/orchestration/environments", authenticated},
		{"POST", "/orchestration/environments", perm(state.PermEnvironmentManagement)},
		{"GET", "/orchestration/environments/:id", authenticated},
		{"PATCH", "/orchestration/environments/:id", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/orchestration/environments/:id", perm(state.PermEnvironmentManagement)},
		{"GET", "/orchestration/workspaces", authenticated},
		{"POST", "/orchestration/workspaces", perm(state.PermEnvironmentManagement)},
		{"GET", "/orchestration/workspaces/:id", authenticated},
		{"PATCH", "/orchestration/workspaces/:id", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/orchestration/workspaces/:id", perm(state.PermEnvironmentManagement)},

		{"GET", "/processing/runtimes/engine-notification-subscriptions", Access{Note: "the caller's own subscriptions"}},
		{"POST", "/processing/runtimes/engine-notification-subscriptions", Access{Note: "subscribes the caller; the answer holds the signing secret, shown once"}},
		{"DELETE", "/processing/runtimes/engine-notification-subscriptions/:id", Access{Note: "the caller's own subscription"}},
		{"GET", "/processing/runtimes/remote-engine-clusters", authenticated},
		{"POST", "/processing/runtimes/remote-engine-clusters", perm(state.PermEngineManagement)},
		{"GET", "/processing/runtimes/remote-engine-clusters/:id", authenticated},
		{"DELETE", "/processing/runtimes/remote-engine-clusters/:id", perm(state.PermEngineManagement)},
		{"PUT", "/processing/runtimes/remote-engine-clusters/:id/engines/:engineId", perm(state.PermEngineManagement)},
		{"DELETE", "/processing/runtimes/remote-engine-clusters/:id/engines/:engineId", perm(state.PermEngineManagement)},
		{"GET", "/processing/runtimes/remote-engine-clusters/:id/run-profiles", authenticated},
		{"POST", "/processing/runtimes/remote-engine-clusters/:id/run-profiles", perm(state.PermRunProfileManagement, state.PermEngineManagement)},
		{"GET", "/processing/runtimes/remote-engines", authenticated},
		{"POST", "/processing/runtimes/remote-engines", Access{AnyOf: []string{state.PermEngineManagement}, Note: "the answer holds the pair key, shown once"}},
		{"GET", "/processing/runtimes/remote-engines/:id", authenticated},
		{"PATCH", "/processing/runtimes/remote-engines/:id", perm(state.PermEngineManagement)},
		{"DELETE", "/processing/runtimes/remote-engines/:id", perm(state.PermEngineManagement)},
		{"DELETE", "/processing/runtimes/remote-engines/:id/pairing", perm(state.PermEngineManagement)},
		{"POST", "/processing/runtimes/remote-engines/:id/pre-authorized-key", perm(state.PermEngineManagement)},
		{"GET", "/processing/runtimes/remote-engines/:id/run-profiles", authenticated},
		{"POST", "/processing/runtimes/remote-engines/:id/run-profiles", perm(state.PermRunProfileManagement, state.PermEngineManagement)},
		{"GET", "/processing/runtimes/run-profiles/:id", authenticated},
		{"DELETE", "/processing/runtimes/run-profiles/:id", perm(state.PermRunProfileManagement, state.PermEngineManagement)},
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
