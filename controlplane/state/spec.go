package state

import (
	"github.com/roundhouse/roundhouse/cluster"
)

// Spec returns every table and command handler of the control plane.
func Spec() cluster.Spec {
	parts := []cluster.Spec{
		accountSpec(),
		environmentSpec(),
		workspaceSpec(),
		userSpec(),
		tokenSpec(),
		auditSpec(),
		roleSpec(),
		credentialSpec(),
		sessionSpec(),
		groupSpec(),
		serviceAccountSpec(),
		workspacePermissionSpec(),
		ipAllowlistSpec(),
		usageSpec(),
		engineSpec(), engineLinkSpec(), engineClusterSpec(), runProfileSpec(), notificationSpec(),
		engineHeartbeatSpec(),
		artifactSpec(),
		taskSpec(), deploymentSpec(), rolloutSpec(),
		executionSpec(),
		scheduleSpec(),
		webhookSpec(),
		planSpec(),
		planExecutionSpec(),
		runNotificationSpec(),
	}
	out := cluster.Spec{Handlers: map[string]cluster.Handler{}, OnApplied: recordAudit, AfterRestore: moveToHistory}
	for _, p := range parts {
		out.Tables = append(out.Tables, p.Tables...)
		out.History = append(out.History, p.History...)
		for name, h := range p.Handlers {
			if _, dup := out.Handlers[name]; dup {
				panic("state: command " + name + " defined twice") // programming error, caught by tests
			}
			out.Handlers[name] = h
		}
	}
	return out
}
