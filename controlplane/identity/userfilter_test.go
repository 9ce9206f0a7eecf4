package identity_test

import (
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

// TestUserListScope: environment_id and workspace_id narrow the user list
// to those holding rights there, as Talend's listing does; an unknown
// parameter is a 400, never a list of everyone.
func TestUserListScope(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	granted, other := srv.NewUser(t), srv.NewUser(t)
	var env struct{ ID string }
	admin.Must(t, 201, "POST", "/orchestration/environments", map[string]any{"name": "scoped"}, &env)
	var wss []struct{ ID string }
	admin.Must(t, 200, "GET", "/orchestration/workspaces?environmentId="+env.ID, nil, &wss)
	srv.Grant(t, wss[0].ID, granted.ID, "VIEW")
	for _, q := range []string{"?environment_id=" + env.ID, "?workspace_id=" + wss[0].ID} {
		var users []struct{ ID string }
		admin.Must(t, 200, "GET", "/account/users"+q, nil, &users)
		if len(users) != 1 || users[0].ID != granted.ID {
			t.Errorf("%s: %+v, want only %s (not %s)", q, users, granted.ID, other.ID)
		}
	}
	admin.MustFail(t, 400, "GET", "/account/users?environmentId="+env.ID, nil)
	admin.MustFail(t, 404, "GET", "/account/users?workspace_id=0123456789abcdef01234567", nil)
}
