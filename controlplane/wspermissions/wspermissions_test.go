package wspermissions_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

type permission struct {
	WorkspaceID string   `json:"workspaceId"`
	UserID      string   `json:"userId"`
	Permissions []string `json:"permissions"`
}

type result struct {
	Status     int        `json:"status"`
	Message    string     `json:"message"`
	Permission permission `json:"permission"`
}

type fixture struct {
	srv   *cptest.Server
	admin *cptest.Client
	envID string
	ws    []string // custom workspaces
	users []cptest.User
}

func setup(t *testing.T, nWorkspaces, nUsers int) fixture {
	t.Helper()
	srv := cptest.Start(t)
	f := fixture{srv: srv, admin: srv.Client(cptest.AdminToken)}
	var envs []struct{ ID string }
	f.admin.Must(t, 200, "GET", "/orchestration/environments", nil, &envs)
	f.envID = envs[0].ID
	for i := 0; i < nWorkspaces; i++ {
		var ws struct{ ID string }
		f.admin.Must(t, 201, "POST", "/orchestration/workspaces", map[string]any{"name": "ws" + string(rune('a'+i)), "environmentId": f.envID}, &ws)
		f.ws = append(f.ws, ws.ID)
	}
	for i := 0; i < nUsers; i++ {
		f.users = append(f.users, srv.NewUser(t, state.PermOperator))
	}
	return f
}

func one(ws, user string) string {
	return "/security/workspaces/" + ws + "/users/" + user + "/permissions"
}

func (f fixture) rights(t *testing.T, ws, user string) []string {
	t.Helper()
	st, raw, _ := f.admin.Do("GET", one(ws, user), nil)
	if st == 404 {
		return nil
	}
	var p permission
	if st != 200 || json.Unmarshal(raw, &p) != nil || p.WorkspaceID != ws || p.UserID != user {
		t.Fatalf("GET permission: %d %s", st, raw)
	}
	return p.Permissions
}

func TestUnitaryPermission(t *testing.T) {
	f := setup(t, 1, 1)
	ws, u := f.ws[0], f.users[0].ID
	f.admin.Must(t, 201, "POST", one(ws, u), []string{"EXECUTE", "AUTHOR"}, nil)
	if got := f.rights(t, ws, u); !reflect.DeepEqual(got, []string{"AUTHOR", "EXECUTE"}) {
		t.Fatalf("rights %v", got)
	}
	f.admin.MustFail(t, 409, "POST", one(ws, u), []string{"VIEW"})
	f.admin.Must(t, 204, "PUT", one(ws, u), []string{"USE_ENGINES"}, nil)
	if got := f.rights(t, ws, u); !reflect.DeepEqual(got, []string{"EXECUTE", "VIEW"}) {
		t.Fatalf("Use engines is Execute + View; got %v", got)
	}
	f.admin.Must(t, 204, "DELETE", one(ws, u), nil, nil)
	f.admin.MustFail(t, 404, "GET", one(ws, u), nil)
	f.admin.MustFail(t, 404, "DELETE", one(ws, u), nil)
	f.admin.MustFail(t, 404, "PUT", one(ws, u), []string{"VIEW"})

	unknownWS, unknownUser := "0123456789abcdef01234567", "0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c01"
	for _, c := range []struct {
		name   string
		status int
		path   string
		body   any
	}{
		{"malformed user UUID", 400, one(ws, "d13404b5-e9nc-4g5f-9904-a5f0dc287fb0"), []string{"VIEW"}},
		{"malformed workspace ID", 400, one("not-hex", u), []string{"VIEW"}},
		{"unknown permission name", 400, one(ws, u), []string{"VIEW", "ADMIN"}},
		{"empty rights", 400, one(ws, u), []string{}},
		{"not an array", 400, one(ws, u), map[string]any{"permissions": []string{"VIEW"}}},
		{"unknown workspace", 404, one(unknownWS, u), []string{"VIEW"}},
		{"unknown user", 404, one(ws, unknownUser), []string{"VIEW"}},
	} {
		t.Run(c.name, func(t *testing.T) { f.admin.MustFail(t, c.status, "POST", c.path, c.body) })
	}
	if got := f.rights(t, ws, u); got != nil {
		t.Fatalf("refused requests left %v", got)
	}
}

func TestEngineUseHoldersGetExecuteAndViewOnly(t *testing.T) {
	f := setup(t, 1, 0)
	eng := f.srv.NewUser(t, state.PermEngineUse)
	ws := f.ws[0]
	f.admin.MustFail(t, 400, "POST", one(ws, eng.ID), []string{"EXECUTE", "AUTHOR"})
	f.admin.Must(t, 201, "POST", one(ws, eng.ID), []string{"EXECUTE", "VIEW"}, nil)
	f.admin.MustFail(t, 400, "PUT", one(ws, eng.ID), []string{"MANAGE"})
	f.admin.Must(t, 204, "PUT", one(ws, eng.ID), []string{"USE_ENGINES"}, nil)
}

func TestBatchCreateAllApplied(t *testing.T) {
	f := setup(t, 2, 2)
	batch := []permission{
		{f.ws[0], f.users[0].ID, []string{"AUTHOR"}},
		{f.ws[1], f.users[0].ID, []string{"VIEW"}},
		{f.ws[0], f.users[1].ID, []string{"EXECUTE"}},
	}
	f.admin.Must(t, 204, "POST", "/security/permissions/batch", batch, nil)
	for _, p := range batch {
		if got := f.rights(t, p.WorkspaceID, p.UserID); !reflect.DeepEqual(got, p.Permissions) {
			t.Fatalf("%v: got %v", p, got)
		}
	}
}

// TestBatchMixed207 covers each way an item can be refused, in list
// order, with the good items applied and the refused ones leaving
// nothing behind.
func TestBatchMixed207(t *testing.T) {
	f := setup(t, 2, 2)
	u0, u1 := f.users[0].ID, f.users[1].ID
	f.admin.Must(t, 201, "POST", one(f.ws[1], u1), []string{"VIEW"}, nil)
	batch := []permission{
		{f.ws[0], u0, []string{"AUTHOR"}},                                   // ok
		{f.ws[0], u0, []string{"VIEW"}},                                     // 409: created just above, list order
		{f.ws[0], u1, []string{"VIEW", "SUPERUSER"}},                        // 400 unknown name
		{f.ws[0], "not-a-uuid", []string{"VIEW"}},                           // 400 malformed
		{"0123456789abcdef01234567", u1, []string{"VIEW"}},                  // 404 workspace
		{f.ws[0], "0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c01", []string{"VIEW"}}, // 404 user
		{f.ws[1], u1, []string{"AUTHOR"}},                                   // 409 exists
		{f.ws[1], u0, []string{"MANAGE", "PUBLISH"}},                        // ok
	}
	var res []result
	f.admin.Must(t, 207, "POST", "/security/permissions/batch", batch, &res)
	var statuses []int
	for _, r := range res {
		statuses = append(statuses, r.Status)
		if r.Message == "" || r.Permission.WorkspaceID == "" {
			t.Errorf("result lacks message or permission: %+v", r)
		}
	}
	if want := []int{409, 400, 400, 404, 404, 409}; !reflect.DeepEqual(statuses, want) {
		t.Fatalf("statuses %v, want %v (%+v)", statuses, want, res)
	}
	if got := f.rights(t, f.ws[0], u0); !reflect.DeepEqual(got, []string{"AUTHOR"}) {
		t.Fatalf("first item: %v", got)
	}
	if got := f.rights(t, f.ws[0], u1); got != nil {
		t.Fatalf("a refused item was half-applied: %v", got)
	}
	if got := f.rights(t, f.ws[1], u1); !reflect.DeepEqual(got, []string{"VIEW"}) {
		t.Fatalf("a refused create changed an existing record: %v", got)
	}
	if got := f.rights(t, f.ws[1], u0); !reflect.DeepEqual(got, []string{"MANAGE", "PUBLISH"}) {
		t.Fatalf("last item: %v", got)
	}
}

func TestBatchUpdate(t *testing.T) {
	f := setup(t, 2, 1)
	u := f.users[0].ID
	f.admin.Must(t, 201, "POST", one(f.ws[0], u), []string{"VIEW"}, nil)
	f.admin.Must(t, 204, "PUT", "/security/permissions/batch", []permission{{f.ws[0], u, []string{"AUTHOR", "VIEW"}}}, nil)
	var res []result
	f.admin.Must(t, 207, "PUT", "/security/permissions/batch", []permission{
		{f.ws[0], u, []string{"EXECUTE"}}, {f.ws[1], u, []string{"VIEW"}}, {f.ws[0], u, []string{}},
	}, &res)
	if len(res) != 2 || res[0].Status != 404 || res[1].Status != 400 {
		t.Fatalf("update results %+v", res)
	}
	if got := f.rights(t, f.ws[0], u); !reflect.DeepEqual(got, []string{"EXECUTE"}) {
		t.Fatalf("rights %v", got)
	}
	if got := f.rights(t, f.ws[1], u); got != nil {
		t.Fatalf("PUT created a record: %v", got)
	}
	f.admin.MustFail(t, 400, "PUT", "/security/permissions/batch", []permission{})
	f.admin.MustFail(t, 400, "PUT", "/security/permissions/batch", map[string]string{"not": "a list"})
}

func TestBatchDeleteIntersections(t *testing.T) {
	f := setup(t, 3, 3)
	grantAll := func() {
		var batch []permission
		for _, ws := range f.ws {
			for _, u := range f.users {
				batch = append(batch, permission{ws, u.ID, []string{"VIEW"}})
			}
		}
		f.admin.Must(t, 207, "POST", "/security/permissions/batch", batch, nil) // re-grant: existing ones 409
	}
	f.admin.Must(t, 204, "POST", "/security/permissions/batch", []permission{{f.ws[0], f.users[0].ID, []string{"VIEW"}}}, nil)
	grantAll()
	count := func() int {
		var list []permission
		f.admin.Must(t, 200, "GET", "/security/permissions?environmentId="+f.envID, nil, &list)
		return len(list)
	}
	if n := count(); n != 9 {
		t.Fatalf("start with %d records", n)
	}
	u0, u1 := f.users[0].ID, f.users[1].ID
	f.admin.Must(t, 204, "DELETE", "/security/permissions/batch?userIds="+u0+","+u1+"&workspaceIds="+f.ws[0], nil, nil)
	if n := count(); n != 7 {
		t.Fatalf("intersection: %d left", n)
	}
	f.admin.Must(t, 204, "DELETE", "/security/permissions/batch?workspaceIds="+f.ws[1], nil, nil) // all users
	if n := count(); n != 4 {
		t.Fatalf("empty users: %d left", n)
	}
	f.admin.Must(t, 204, "DELETE", "/security/permissions/batch?userIds="+u0, nil, nil) // all workspaces
	if n := count(); n != 3 {
		t.Fatalf("empty workspaces: %d left", n)
	}
	var res []struct {
		Status       int    `json:"status"`
		Message      string `json:"message"`
		PermissionID struct {
			WorkspaceID string `json:"workspaceId"`
			UserID      string `json:"userId"`
		} `json:"permissionId"`
	}
	f.admin.Must(t, 207, "DELETE", "/security/permissions/batch?userIds="+u1+"&userIds=bad&userIds=0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c01", nil, &res)
	sort.Slice(res, func(i, j int) bool { return res[i].Status < res[j].Status })
	if len(res) != 2 || res[0].Status != 400 || res[0].PermissionID.UserID != "bad" || res[1].Status != 404 ||
		res[1].PermissionID.UserID != "0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c01" {
		t.Fatalf("delete results %+v", res)
	}
	// Each refused pair is named in full: the unknown user with the
	// workspace asked for, the unknown workspace with the user.
	f.admin.Must(t, 207, "DELETE", "/security/permissions/batch?userIds=0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c01&workspaceIds="+f.ws[0], nil, &res)
	if len(res) != 1 || res[0].Status != 404 || res[0].PermissionID.UserID != "0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c01" || res[0].PermissionID.WorkspaceID != f.ws[0] {
		t.Fatalf("unknown user with a workspace: %+v", res)
	}
	f.admin.Must(t, 207, "DELETE", "/security/permissions/batch?userIds="+u1+"&workspaceIds=0123456789abcdef01234567", nil, &res)
	if len(res) != 1 || res[0].Status != 404 || res[0].PermissionID.UserID != u1 || res[0].PermissionID.WorkspaceID != "0123456789abcdef01234567" {
		t.Fatalf("unknown workspace with a user: %+v", res)
	}
	// An unknown workspace is named in its result; so is an unknown
	// service account.
	f.admin.Must(t, 207, "DELETE", "/security/permissions/batch?workspaceIds=0123456789abcdef01234567", nil, &res)
	if len(res) != 1 || res[0].Status != 404 || res[0].PermissionID.WorkspaceID != "0123456789abcdef01234567" {
		t.Fatalf("unknown workspace result %+v", res)
	}
	f.admin.Must(t, 207, "DELETE", "/security/service-accounts/permissions/batch?serviceAccountIds=0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c02", nil, &res)
	if len(res) != 1 || res[0].Status != 404 || res[0].PermissionID.UserID != "0b7e4b5e-59a4-4bb2-9c55-6f1d2a6b0c02" {
		t.Fatalf("unknown service account result %+v", res)
	}
	if n := count(); n != 2 {
		t.Fatalf("the valid part of a 207 delete was not applied: %d left", n)
	}
	f.admin.MustFail(t, 400, "DELETE", "/security/permissions/batch", nil)
}

func TestSearch(t *testing.T) {
	f := setup(t, 2, 2)
	f.admin.Must(t, 204, "POST", "/security/permissions/batch", []permission{
		{f.ws[0], f.users[0].ID, []string{"VIEW"}}, {f.ws[1], f.users[0].ID, []string{"VIEW"}}, {f.ws[1], f.users[1].ID, []string{"VIEW"}},
	}, nil)
	for q, want := range map[string]int{
		"": 3, "?userId=" + f.users[0].ID: 2, "?workspaceId=" + f.ws[1]: 2,
		"?workspaceId=" + f.ws[1] + "&userId=" + f.users[0].ID: 1, "?environmentId=" + f.envID: 3,
	} {
		var list []permission
		f.admin.Must(t, 200, "GET", "/security/permissions"+q, nil, &list)
		if len(list) != want {
			t.Errorf("search %q: %d results, want %d", q, len(list), want)
		}
	}
	f.admin.MustFail(t, 400, "GET", "/security/permissions?userId=nope", nil)
	f.admin.MustFail(t, 404, "GET", "/security/permissions?workspaceId=0123456789abcdef01234567", nil)
	f.admin.MustFail(t, 404, "GET", "/security/permissions?environmentId=0123456789abcdef01234567", nil)
}

func TestServiceAccountPermissions(t *testing.T) {
	f := setup(t, 2, 0)
	var sa struct{ ID string }
	f.admin.Must(t, 201, "POST", "/account/service-accounts", map[string]any{"name": "bot", "permissions": []string{}}, &sa)
	path := "/security/workspaces/" + f.ws[0] + "/service-accounts/" + sa.ID + "/permissions"
	f.admin.Must(t, 201, "POST", path, []string{"EXECUTE"}, nil)
	var p permission
	f.admin.Must(t, 200, "GET", path, nil, &p)
	if p.UserID != sa.ID || !reflect.DeepEqual(p.Permissions, []string{"EXECUTE"}) {
		t.Fatalf("%+v", p)
	}
	f.admin.Must(t, 204, "PUT", path, []string{"VIEW"}, nil)
	var res []result
	f.admin.Must(t, 207, "POST", "/security/service-accounts/permissions/batch", []map[string]any{
		{"workspaceId": f.ws[1], "userId": sa.ID, "permissions": []string{"AUTHOR"}},
		{"workspaceId": f.ws[0], "serviceAccountId": sa.ID, "permissions": []string{"AUTHOR"}},
	}, &res)
	if len(res) != 1 || res[0].Status != 409 {
		t.Fatalf("%+v", res)
	}
	var list []permission
	f.admin.Must(t, 200, "GET", "/security/service-accounts/permissions?serviceAccountId="+sa.ID, nil, &list)
	var users []permission
	f.admin.Must(t, 200, "GET", "/security/permissions", nil, &users)
	if len(list) != 2 || len(users) != 0 {
		t.Fatalf("service account records %d, user records %d", len(list), len(users))
	}
	f.admin.Must(t, 204, "DELETE", "/security/service-accounts/permissions/batch?serviceAccountIds="+sa.ID+"&workspaceIds="+f.ws[1], nil, nil)
	f.admin.Must(t, 204, "PUT", "/security/service-accounts/permissions/batch", []permission{{f.ws[0], sa.ID, []string{"AUTHOR"}}}, nil)
	// A user's ID is not a service account.
	u := f.srv.NewUser(t)
	f.admin.MustFail(t, 404, "POST", "/security/workspaces/"+f.ws[1]+"/service-accounts/"+u.ID+"/permissions", []string{"VIEW"})
	// Deleting the workspace deletes its permissions.
	f.admin.Must(t, 204, "DELETE", "/orchestration/workspaces/"+f.ws[0], nil, nil)
	f.admin.Must(t, 200, "GET", "/security/service-accounts/permissions?serviceAccountId="+sa.ID, nil, &list)
	if len(list) != 0 {
		t.Fatalf("permissions outlived their workspace: %+v", list)
	}
}
