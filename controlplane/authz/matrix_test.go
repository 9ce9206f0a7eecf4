package authz_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/authz"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// TestPermissionMatrix walks every row of authz.Table against a real
// control plane: a principal lacking the right gets 403 (it holds every
// other permission), one holding it does not get 401 or 403. New rows are
// covered without touching this test.
func TestPermissionMatrix(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	var shared []struct{ ID, Type string }
	admin.Must(t, 200, "GET", "/orchestration/workspaces", nil, &shared)
	wsID := shared[0].ID

	users := map[string]cptest.User{} // by permission set
	userWith := func(perms []string, rights []string) cptest.User {
		key := strings.Join(perms, ",") + "|" + strings.Join(rights, ",")
		if u, ok := users[key]; ok {
			return u
		}
		u := srv.NewUser(t, perms...)
		if len(rights) > 0 {
			srv.Grant(t, wsID, u.ID, rights...)
		}
		users[key] = u
		return u
	}
	allBut := func(exclude []string) []string {
		return slices.DeleteFunc(state.KnownPermissions(), func(p string) bool { return slices.Contains(exclude, p) })
	}

	for _, rule := range authz.Table() {
		path := fillPath(rule, wsID)
		name := rule.Method + " " + rule.Path
		a := rule.Access
		switch {
		case a.Public:
			continue
		case len(a.AnyOf) == 0 && a.Workspace == "":
			srv.Client("").MustFail(t, 401, rule.Method, path, nil)
			if st, body, _ := srv.Client(userWith(nil, nil).Token).Do(rule.Method, path, nil); st == 401 || st == 403 {
				t.Errorf("%s: any authenticated caller should pass, got %d %s", name, st, body)
			}
			continue
		}
		var rights []string
		if a.Workspace != "" {
			rights = []string{a.Workspace}
		}
		if len(a.AnyOf) > 0 {
			exclude := a.AnyOf
			if a.Workspace != "" && a.Workspace != state.WsExecute && a.Workspace != state.WsView {
				// Engine users may hold only EXECUTE and VIEW.
				exclude = append(slices.Clone(exclude), state.PermEngineUse)
			}
			lacking := userWith(allBut(exclude), rights)
			srv.Client(lacking.Token).MustFail(t, 403, rule.Method, path, nil)
		}
		if a.Workspace != "" {
			noRight := userWith(state.KnownPermissions(), nil)
			srv.Client(noRight.Token).MustFail(t, 403, rule.Method, path, nil)
		}
		holders := [][]string{nil}
		if len(a.AnyOf) > 0 {
			holders = nil
			for _, p := range a.AnyOf {
				holders = append(holders, []string{p})
			}
		}
		for _, perms := range holders {
			u := userWith(perms, rights)
			st, body, err := srv.Client(u.Token).Do(rule.Method, path, nil)
			if err != nil || st == 401 || st == 403 {
				t.Errorf("%s: holder of %v (rights %v) refused: %d %s %v", name, perms, rights, st, body, err)
			}
		}
	}
	if len(users) < 5 {
		t.Fatalf("the matrix exercised only %d principals", len(users))
	}
}

// fillPath puts the test workspace where the rule reads its workspace
// and a well-formed unknown ID in every other parameter.
func fillPath(rule authz.Rule, wsID string) string {
	var parts []string
	for _, seg := range strings.Split(rule.Path, "/") {
		switch {
		case seg == ":"+strings.TrimPrefix(rule.Access.WorkspaceFrom, ":") && rule.Access.WorkspaceFrom != "", seg == ":workspaceId":
			seg = wsID
		case strings.HasPrefix(seg, ":"):
			seg = "0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c01"
		}
		parts = append(parts, seg)
	}
	path := strings.Join(parts, "/")
	if q, ok := strings.CutPrefix(rule.Access.WorkspaceFrom, "?"); ok {
		path += "?" + q + "=" + wsID
	}
	return path
}
