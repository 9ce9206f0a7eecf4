package identity

import (
	"net/http"
	"slices"
	"strings"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// userListParams are the query parameters GET /account/users reads; any
// other is refused rather than ignored, since a script narrowing the list
// before granting rights must not get every user back.
var userListParams = []string{"search", "status", "environment_id", "workspace_id", "talendVersion", "consistency"}

// usersInScope narrows users to those holding workspace permissions on
// the workspace_id workspace, or on any workspace of the environment_id
// environment, as Talend's user listing does. It returns all users when
// neither is given.
func usersInScope(r *http.Request, txn state.Reader, users []*state.User) ([]*state.User, error) {
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains(userListParams, name) {
			return nil, badRequest("unknown query parameter %q; accepted: %s", name, strings.Join(userListParams, ", "))
		}
	}
	envID, wsID := q.Get("environment_id"), q.Get("workspace_id")
	if envID == "" && wsID == "" {
		return users, nil
	}
	if envID != "" && state.EnvironmentByID(txn, envID) == nil {
		return nil, api.NotFound("environment", envID)
	}
	if wsID != "" && state.WorkspaceByID(txn, wsID) == nil {
		return nil, api.NotFound("workspace", wsID)
	}
	granted := map[string]bool{}
	for _, p := range state.AllWorkspacePermissions(txn) {
		if p.PrincipalKind != state.KindUser || (wsID != "" && p.WorkspaceID != wsID) {
			continue
		}
		if envID != "" {
			if ws := state.WorkspaceByID(txn, p.WorkspaceID); ws == nil || ws.EnvironmentID != envID {
				continue
			}
		}
		granted[p.PrincipalID] = true
	}
	return slices.DeleteFunc(users, func(u *state.User) bool { return !granted[u.ID] }), nil
}
