package authz

import (
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Access is what a route requires.
type Access struct {
	// Public routes need no token (health, metrics, webhooks).
	Public bool
	// Credentials marks a public route that issues or changes credentials
	// (token issuance, password change): the account's address rules (the
	// IP allowlist) apply to it as to authenticated routes.
	Credentials bool
	// AnyOf lists permissions of which the caller needs one; empty means
	// any authenticated principal. Handlers may narrow further (e.g. only
	// one's own tokens) and say so in Note.
	AnyOf []string
	// Workspace names a workspace right (state.WsAuthor, WsExecute, ...)
	// the caller must also hold on one workspace; WorkspaceFrom says where
	// that workspace's ID is: ":param" (path) or "?param" (query).
	Workspace     string
	WorkspaceFrom string
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

// inWorkspace requires right on the workspace named by from, plus one of
// perms when given.
func inWorkspace(right, from string, perms ...string) Access {
	return Access{AnyOf: perms, Workspace: right, WorkspaceFrom: from}
}

var (
	public        = Access{Public: true}
	authenticated = Access{}
)

// view is the note of reads of workspace contents: the handler checks the
// caller holds VIEW, or any other right, on the object's workspace
// (Principal.CanView).
const view = "VIEW or any right on the workspace, checked by the handler"

// Table is every endpoint of the API. Keep it sorted by path.
func Table() []Rule {
	return append(schedulingRules(), []Rule{
		{"GET", "/account/access-tokens", Access{Note: "own tokens; ?all=true needs Users - Manage"}},
		{"POST", "/account/access-tokens", Access{Note: "creates a token for the caller"}},
		{"PATCH", "/account/access-tokens/:id", Access{Note: "rename own token, or any with Users - Manage"}},
		{"DELETE", "/account/access-tokens/:id", Access{Note: "own token, or any with Users - Manage"}},
		{"GET", "/account/audit-logs", perm(state.PermAuditLogsView)},
		{"GET", "/account/groups", perm(state.PermGroupManagement, state.PermUserManagement)},
		{"POST", "/account/groups", perm(state.PermGroupManagement)},
		{"GET", "/account/groups/:id", perm(state.PermGroupManagement, state.PermUserManagement)},
		{"PUT", "/account/groups/:id", perm(state.PermGroupManagement)},
		{"DELETE", "/account/groups/:id", perm(state.PermGroupManagement)},
		{"GET", "/account/me", authenticated},
		{"GET", "/account/password-policy", perm(state.PermPasswordPolicy)},
		{"PUT", "/account/password-policy", perm(state.PermPasswordPolicy)},
		{"GET", "/account/permissions", authenticated},
		{"GET", "/account/roles", perm(state.PermRoleManagement, state.PermUserManagement)},
		{"POST", "/account/roles", perm(state.PermRoleManagement)},
		{"GET", "/account/roles/:id", perm(state.PermRoleManagement, state.PermUserManagement)},
		{"PUT", "/account/roles/:id", perm(state.PermRoleManagement)},
		{"DELETE", "/account/roles/:id", perm(state.PermRoleManagement)},
		{"GET", "/account/service-accounts", perm(state.PermServiceAccountManagement)},
		{"POST", "/account/service-accounts", perm(state.PermServiceAccountManagement)},
		{"GET", "/account/service-accounts/count", perm(state.PermServiceAccountManagement, state.PermSubscriptionManagement)},
		{"GET", "/account/service-accounts/permissions", authenticated},
		{"GET", "/account/service-accounts/:id", perm(state.PermServiceAccountManagement)},
		{"PUT", "/account/service-accounts/:id", perm(state.PermServiceAccountManagement)},
		{"DELETE", "/account/service-accounts/:id", perm(state.PermServiceAccountManagement)},
		{"GET", "/account/subscription", perm(state.PermSubscriptionManagement)},
		{"GET", "/account/users", Access{AnyOf: []string{state.PermUserManagement, state.PermEnvironmentManagement},
			Note: "Environment Administrators look users up to grant workspace permissions"}},
		{"POST", "/account/users", perm(state.PermUserManagement)},
		{"GET", "/account/users/export", perm(state.PermUserManagement)},
		{"GET", "/account/users/:id", perm(state.PermUserManagement, state.PermEnvironmentManagement)},
		{"PATCH", "/account/users/:id", Access{AnyOf: []string{state.PermUserManagement}, Note: "details and roles"}},
		{"DELETE", "/account/users/:id", perm(state.PermUserManagement)},
		{"POST", "/account/users/:id/activate", perm(state.PermUserManagement)},
		{"POST", "/account/users/:id/deactivate", perm(state.PermUserManagement)},
		{"PUT", "/account/users/:id/password", perm(state.PermUserManagement)},

		{"GET", "/cluster/members", perm(state.PermControlPlaneManagement)},
		{"POST", "/cluster/members", perm(state.PermControlPlaneManagement)},
		{"DELETE", "/cluster/members/:id", perm(state.PermControlPlaneManagement)},
		{"GET", "/cluster/status", perm(state.PermControlPlaneManagement)},

		{"GET", "/health", public},
		{"GET", "/ready", public},
		{"GET", "/metrics", Access{Public: true, Note: "Prometheus scrape; no secrets in metrics"}},

		{"GET", "/orchestration/artifact-blobs/:digest", Access{Note: "download by digest; " + view}},
		{"GET", "/orchestration/artifacts", Access{Note: "lists what the caller may see: " + view}},
		{"POST", "/orchestration/artifacts", Access{AnyOf: []string{state.PermOperator, state.PermStudioDeveloper},
			Note: "and PUBLISH on the target workspace, checked by the handler"}},
		{"GET", "/orchestration/artifacts/:id", Access{Note: view}},
		{"DELETE", "/orchestration/artifacts/:id", perm(state.PermOperator)},
		{"GET", "/orchestration/artifacts/:id/content", Access{Note: view}},
		{"GET", "/orchestration/artifacts/:id/versions", Access{Note: view}},

		{"GET", "/orchestration/environments", authenticated},
		{"POST", "/orchestration/environments", perm(state.PermEnvironmentManagement)},
		{"GET", "/orchestration/environments/:id", authenticated},
		{"PATCH", "/orchestration/environments/:id", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/orchestration/environments/:id", perm(state.PermEnvironmentManagement)},
		{"GET", "/orchestration/executables/tasks", Access{Note: "lists what the caller may see: " + view}},
		{"POST", "/orchestration/executables/tasks", Access{AnyOf: []string{state.PermOperator}, Note: "and AUTHOR on the workspace, checked by the handler"}},
		{"GET", "/orchestration/executables/tasks/:id", Access{Note: view}},
		{"PATCH", "/orchestration/executables/tasks/:id", perm(state.PermOperator)},
		{"DELETE", "/orchestration/executables/tasks/:id", perm(state.PermOperator)},
		{"POST", "/orchestration/executables/tasks/:id/deploy", Access{AnyOf: []string{state.PermOperator}, Note: "and EXECUTE on the task's workspace, checked by the handler"}},
		{"GET", "/orchestration/executables/tasks/:id/deployments", Access{Note: view}},
		{"GET", "/orchestration/executables/tasks/:id/deployments/history", Access{Note: view}},
		{"GET", "/orchestration/executables/tasks/:id/executions", Access{Note: view}},
		{"POST", "/orchestration/executables/tasks/:id/move", Access{AnyOf: []string{state.PermOperator}, Note: "and AUTHOR on both workspaces, checked by the handler"}},
		{"POST", "/orchestration/executables/tasks/:id/pause", Access{AnyOf: []string{state.PermOperator}, Note: "and EXECUTE on the task's workspace, checked by the handler"}},
		{"POST", "/orchestration/executables/tasks/:id/resume", Access{AnyOf: []string{state.PermOperator}, Note: "and EXECUTE on the task's workspace, checked by the handler"}},
		{"POST", "/orchestration/executables/tasks/:id/run", Access{AnyOf: []string{state.PermOperator}, Note: "and EXECUTE on the task's workspace, checked by the handler"}},
		{"GET", "/orchestration/executables/tasks/:id/rollouts", Access{Note: view}},
		{"GET", "/orchestration/executables/tasks/:id/run-config", Access{Note: view}},
		{"PUT", "/orchestration/executables/tasks/:id/run-config", Access{AnyOf: []string{state.PermOperator}, Note: "and EXECUTE on the task's workspace, checked by the handler"}},
		{"POST", "/orchestration/executables/tasks/:id/undeploy", Access{AnyOf: []string{state.PermOperator}, Note: "and EXECUTE on the task's workspace, checked by the handler"}},
		{"GET", "/orchestration/workspaces", authenticated},
		{"POST", "/orchestration/workspaces", perm(state.PermEnvironmentManagement)},
		{"GET", "/orchestration/workspaces/:id", authenticated},
		{"PATCH", "/orchestration/workspaces/:id", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/orchestration/workspaces/:id", perm(state.PermEnvironmentManagement)},

		{"GET", "/processing/executables/tasks/executions", Access{Note: "lists what the caller may see: " + view}},
		{"GET", "/processing/executions", Access{Note: "lists what the caller may see: " + view}},
		{"POST", "/processing/executions", Access{AnyOf: []string{state.PermOperator}, Note: "and EXECUTE on the task's workspace, checked by the handler"}},
		{"GET", "/processing/executions/:id", Access{Note: view}},
		{"DELETE", "/processing/executions/:id", Access{AnyOf: []string{state.PermOperator}, Note: "stops the execution (the legacy API's verb); EXECUTE on its workspace"}},
		{"GET", "/processing/executions/:id/logs", Access{Note: view}},
		{"POST", "/processing/executions/:id/stop", perm(state.PermOperator)},
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

		{"POST", "/scim/v2/Users/deactivate", perm(state.PermUserManagement)},

		{"POST", "/security/oauth/token", Access{Public: true, Credentials: true, Note: "client credentials (HTTP Basic) or password; checked by the handler"}},
		{"POST", "/security/password", Access{Public: true, Credentials: true, Note: "change one's password with the current one (also when expired)"}},
		// Workspace permissions: granting them is the Environment
		// Administrator's job.
		{"GET", "/security/permissions", perm(state.PermEnvironmentManagement)},
		{"POST", "/security/permissions/batch", perm(state.PermEnvironmentManagement)},
		{"PUT", "/security/permissions/batch", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/security/permissions/batch", perm(state.PermEnvironmentManagement)},
		{"GET", "/security/service-accounts/permissions", perm(state.PermEnvironmentManagement)},
		{"POST", "/security/service-accounts/permissions/batch", perm(state.PermEnvironmentManagement)},
		{"PUT", "/security/service-accounts/permissions/batch", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/security/service-accounts/permissions/batch", perm(state.PermEnvironmentManagement)},
		{"GET", "/security/workspaces/:workspaceId/service-accounts/:serviceAccountId/permissions", perm(state.PermEnvironmentManagement)},
		{"POST", "/security/workspaces/:workspaceId/service-accounts/:serviceAccountId/permissions", perm(state.PermEnvironmentManagement)},
		{"PUT", "/security/workspaces/:workspaceId/service-accounts/:serviceAccountId/permissions", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/security/workspaces/:workspaceId/service-accounts/:serviceAccountId/permissions", perm(state.PermEnvironmentManagement)},
		{"GET", "/security/workspaces/:workspaceId/users/:userId/permissions", perm(state.PermEnvironmentManagement)},
		{"POST", "/security/workspaces/:workspaceId/users/:userId/permissions", perm(state.PermEnvironmentManagement)},
		{"PUT", "/security/workspaces/:workspaceId/users/:userId/permissions", perm(state.PermEnvironmentManagement)},
		{"DELETE", "/security/workspaces/:workspaceId/users/:userId/permissions", perm(state.PermEnvironmentManagement)},

		// IP allowlist: Users - Management on every call.
		{"GET", "/v1/management/ip-allowlist", perm(state.PermUserManagement)},
		{"POST", "/v1/management/ip-allowlist", perm(state.PermUserManagement)},
		{"PUT", "/v1/management/ip-allowlist", perm(state.PermUserManagement)},
		{"DELETE", "/v1/management/ip-allowlist", perm(state.PermUserManagement)},
		{"PATCH", "/v1/management/ip-allowlist", perm(state.PermUserManagement)},
		{"GET", "/v1/management/ip-allowlist/ips", perm(state.PermUserManagement)},
		{"POST", "/v1/management/ip-allowlist/ips", perm(state.PermUserManagement)},
		{"PUT", "/v1/management/ip-allowlist/ips", perm(state.PermUserManagement)},
		{"GET", "/v1/management/ip-allowlist/ips/:id", perm(state.PermUserManagement)},
		{"PUT", "/v1/management/ip-allowlist/ips/:id", perm(state.PermUserManagement)},
		{"DELETE", "/v1/management/ip-allowlist/ips/:id", perm(state.PermUserManagement)},
		{"DELETE", "/v1/management/users/:id", perm(state.PermUserManagement)},
	}...)
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

// AllowedIn reports whether p may call a route with access a on the
// workspace workspaceID (a.Workspace set).
func AllowedIn(p *Principal, a Access, workspaceID string) bool {
	if !Allowed(p, a) {
		return false
	}
	return a.Workspace == "" || p.HasIn(workspaceID, a.Workspace)
}
