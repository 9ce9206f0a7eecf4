package authz

import "github.com/roundhouse/roundhouse/controlplane/state"

// schedulingRules are the routes of schedules, webhooks and plans (issue 8),
// sorted by path.
func schedulingRules() []Rule {
	execute := Access{AnyOf: []string{state.PermOperator}, Note: "and EXECUTE on the workspace, checked by the handler"}
	author := Access{AnyOf: []string{state.PermOperator}, Note: "and AUTHOR on the workspace, checked by the handler"}
	runs := "EXECUTE on the workspace; served at /processing/executions/plans... (rewritten: httprouter cannot hold it next to /processing/executions/:id)"
	return []Rule{
		{"GET", "/account/notification-subscriptions", Access{Note: "own subscriptions"}},
		{"POST", "/account/notification-subscriptions", Access{Note: "subscribes the caller"}},
		{"DELETE", "/account/notification-subscriptions/:id", Access{Note: "own subscription"}},
		{"GET", "/orchestration/executables/plans", Access{Note: "lists what the caller may see: " + view}},
		{"POST", "/orchestration/executables/plans", author},
		{"GET", "/orchestration/executables/plans/:id", Access{Note: view}},
		{"DELETE", "/orchestration/executables/plans/:id", author},
		{"GET", "/orchestration/executables/plans/:id/executions", Access{Note: view}},
		{"POST", "/orchestration/executables/plans/:id/pause", execute},
		{"POST", "/orchestration/executables/plans/:id/resume", execute},
		{"GET", "/orchestration/executables/plans/:id/schedule", Access{Note: view}},
		{"PUT", "/orchestration/executables/plans/:id/schedule", execute},
		{"DELETE", "/orchestration/executables/plans/:id/schedule", execute},
		{"POST", "/orchestration/executables/plans/:id/webhook", execute},
		{"DELETE", "/orchestration/executables/plans/:id/webhook", execute},
		{"GET", "/orchestration/executables/tasks/:id/schedule", Access{Note: view}},
		{"PUT", "/orchestration/executables/tasks/:id/schedule", execute},
		{"DELETE", "/orchestration/executables/tasks/:id/schedule", execute},
		{"POST", "/orchestration/executables/tasks/:id/webhook", execute},
		{"DELETE", "/orchestration/executables/tasks/:id/webhook", execute},
		{"POST", "/processing/plan-executions", Access{AnyOf: []string{state.PermOperator}, Note: runs}},
		{"GET", "/processing/plan-executions/:id", Access{Note: view + "; served like the other plan runs"}},
		{"POST", "/processing/plan-executions/:id/rerun", Access{AnyOf: []string{state.PermOperator}, Note: runs}},
		{"POST", "/processing/plan-executions/:id/stop", Access{AnyOf: []string{state.PermOperator}, Note: runs}},
		{"POST", "/webhooks/:secret", Access{Public: true, Note: "webhook URL: the secret in the path is the credential; stored hashed"}},
	}
}
