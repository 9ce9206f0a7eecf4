package identity_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

type user struct {
	ID     string   `json:"id"`
	Login  string   `json:"login"`
	Status string   `json:"status"`
	Roles  []string `json:"roles"`
	Groups []string `json:"groups"`
}

type workspace struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Owner string `json:"owner"`
}

func TestCreateUserValidation(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	var u user
	admin.Must(t, 201, "POST", "/account/users", map[string]any{"login": "ann", "email": "ann@example.test", "roles": []string{state.RoleOperator}}, &u)
	if u.Status != state.UserActive || !state.IsUUID(u.ID) {
		t.Fatalf("created user %+v", u)
	}
	for name, c := range map[string]struct {
		status int
		body   any
	}{
		"duplicate login":      {409, map[string]any{"login": "ANN", "email": "x@example.test"}},
		"bad email":            {400, map[string]any{"login": "bob", "email": "bob"}},
		"unknown role":         {400, map[string]any{"login": "bob", "email": "b@example.test", "roles": []string{"nope"}}},
		"weak password":        {400, map[string]any{"login": "bob", "email": "b@example.test", "password": "short"}},
		"unknown field":        {400, map[string]any{"login": "bob", "email": "b@example.test", "admin": true}},
		"empty login":          {400, map[string]any{"login": "", "email": "b@example.test"}},
		"malformed id (get)":   {400, nil},
		"groups take no roles": {400, nil},
	} {
		t.Run(name, func(t *testing.T) {
			switch name {
			case "malformed id (get)":
				admin.MustFail(t, 400, "GET", "/account/users/not-a-uuid", nil)
			case "groups take no roles":
				admin.MustFail(t, 400, "POST", "/account/groups", map[string]any{"name": "g", "roles": []string{state.RoleOperator}})
			default:
				admin.MustFail(t, c.status, "POST", "/account/users", c.body)
			}
		})
	}
	var all []user
	admin.Must(t, 200, "GET", "/account/users", nil, &all)
	if len(all) != 2 {
		t.Fatalf("refused creations left users behind: %+v", all)
	}
}

func TestDeactivatedUserTokensStopAtOnce(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	u := srv.NewUser(t, state.PermEnvironmentManagement)
	c := srv.Client(u.Token)
	c.Must(t, 200, "GET", "/account/me", nil, nil)
	admin.Must(t, 200, "POST", "/account/users/"+u.ID+"/deactivate", nil, nil)
	c.MustFail(t, 401, "GET", "/account/me", nil)
	srv.Client("").MustFail(t, 401, "POST", "/security/oauth/token",
		map[string]string{"grant_type": "password", "username": u.Login, "password": "wrong"})
	status, _, _ := srv.Client("").Do("POST", "/security/oauth/token",
		map[string]string{"grant_type": "password", "username": u.Login, "password": cptest.TestPassword})
	if status != 403 {
		t.Fatalf("a deactivated user logged in: %d", status)
	}
	admin.Must(t, 200, "POST", "/account/users/"+u.ID+"/activate", nil, nil)
	c.Must(t, 200, "GET", "/account/me", nil, nil)

	// The product's SCIM call does the same.
	admin.Must(t, 204, "POST", "/scim/v2/Users/deactivate", map[string]string{"accountName": "roundhouse", "userName": u.Login}, nil)
	c.MustFail(t, 401, "GET", "/account/me", nil)
	admin.MustFail(t, 409, "POST", "/account/users/"+adminID(t, srv)+"/deactivate", nil)
}

func adminID(t *testing.T, srv *cptest.Server) string {
	var me user
	srv.Client(cptest.AdminToken).Must(t, 200, "GET", "/account/me", nil, &me)
	return me.ID
}

func TestDeleteUserCascade(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	u := srv.NewUser(t, state.PermEnvironmentManagement)
	other := srv.NewUser(t)
	if u.PersonalWorkspaceID == "" {
		t.Fatal("a new user has no Personal workspace")
	}
	var envs []struct{ ID string }
	admin.Must(t, 200, "GET", "/orchestration/environments", nil, &envs)
	var custom workspace
	admin.Must(t, 201, "POST", "/orchestration/workspaces", map[string]any{"name": "team", "environmentId": envs[0].ID, "owner": u.ID}, &custom)
	srv.Grant(t, custom.ID, u.ID, "AUTHOR")
	srv.Grant(t, u.PersonalWorkspaceID, other.ID, "VIEW")
	var g struct{ ID string }
	admin.Must(t, 201, "POST", "/account/groups", map[string]any{"name": "devs", "members": []string{u.ID, other.ID}}, &g)
	var engine struct{ ID, WorkspaceID string }
	admin.Must(t, 201, "POST", "/processing/runtimes/remote-engines",
		map[string]any{"name": "personal-engine", "environmentId": envs[0].ID, "workspaceId": u.PersonalWorkspaceID}, &engine)

	admin.Must(t, 204, "DELETE", "/v1/management/users/"+u.ID, nil, nil)

	// The engine allocated to the Personal workspace is unassigned, not lost.
	var after struct{ WorkspaceID string }
	admin.Must(t, 200, "GET", "/processing/runtimes/remote-engines/"+engine.ID, nil, &after)
	if after.WorkspaceID != "" {
		t.Fatalf("engine still allocated to the deleted Personal workspace %s", after.WorkspaceID)
	}

	admin.MustFail(t, 404, "GET", "/account/users/"+u.ID, nil)
	admin.MustFail(t, 404, "GET", "/orchestration/workspaces/"+u.PersonalWorkspaceID, nil)
	admin.Must(t, 200, "GET", "/orchestration/workspaces/"+custom.ID, nil, nil) // custom workspaces stay
	srv.Client(u.Token).MustFail(t, 401, "GET", "/account/me", nil)
	var perms []any
	admin.Must(t, 200, "GET", "/security/permissions?workspaceId="+custom.ID, nil, &perms)
	if len(perms) != 0 {
		t.Fatalf("the deleted user's workspace permissions remain: %v", perms)
	}
	admin.MustFail(t, 404, "GET", "/security/workspaces/"+u.PersonalWorkspaceID+"/users/"+other.ID+"/permissions", nil)
	var group struct{ Members []string }
	admin.Must(t, 200, "GET", "/account/groups/"+g.ID, nil, &group)
	if len(group.Members) != 1 || group.Members[0] != other.ID {
		t.Fatalf("group members after delete: %v", group.Members)
	}
	admin.MustFail(t, 404, "DELETE", "/account/users/"+u.ID, nil)
}

func TestExportUsersCSV(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	admin.Must(t, 201, "POST", "/account/users", map[string]any{"login": "carol", "email": "carol@example.test",
		"firstName": "=HYPERLINK(\"x\")", "roles": []string{state.RoleOperator}}, nil)
	status, raw, err := admin.Do("GET", "/account/users/export?search=carol", nil)
	if err != nil || status != 200 {
		t.Fatalf("export: %d %v", status, err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][1] != "login" || rows[1][1] != "carol" || rows[1][6] != "Operator" || rows[1][8] != "true" {
		t.Fatalf("export rows: %q", rows)
	}
	if !strings.HasPrefix(rows[1][3], "'=") {
		t.Fatalf("a formula was exported as is: %q", rows[1][3])
	}
	status, raw, _ = admin.Do("GET", "/account/users/export", nil)
	if status != 200 || strings.Count(string(raw), "\n") != 3 {
		t.Fatalf("full export: %d %s", status, raw)
	}
}

func TestTokenFollowsOwnerRoles(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	u := srv.NewUser(t)
	c := srv.Client(u.Token)
	c.MustFail(t, 403, "GET", "/account/groups", nil)
	var me user
	c.Must(t, 200, "GET", "/account/me", nil, &me)
	admin.Must(t, 200, "PUT", "/account/roles/"+me.Roles[0], map[string]any{"permissions": []string{state.PermGroupManagement}}, nil)
	c.Must(t, 200, "GET", "/account/groups", nil, nil)
	admin.Must(t, 200, "PATCH", "/account/users/"+u.ID, map[string]any{"roles": []string{}}, nil)
	c.MustFail(t, 403, "GET", "/account/groups", nil)
}

func TestRoles(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	admin.MustFail(t, 400, "POST", "/account/roles", map[string]any{"name": "x", "permissions": []string{"TMC_NOPE"}})
	admin.MustFail(t, 409, "POST", "/account/roles", map[string]any{"name": "operator", "permissions": []string{}})
	admin.MustFail(t, 409, "DELETE", "/account/roles/"+state.RoleSecurityAdministrator, nil)
	var r struct {
		ID           string
		ConsumesSeat bool
	}
	admin.Must(t, 201, "POST", "/account/roles", map[string]any{"name": "Runner", "permissions": []string{state.PermOperator}}, &r)
	if !r.ConsumesSeat {
		t.Fatal("a role with Operations - Manage must take a seat")
	}
	admin.Must(t, 204, "DELETE", "/account/roles/"+r.ID, nil, nil)
	admin.MustFail(t, 404, "GET", "/account/roles/"+r.ID, nil)
}

func TestSeatsFromLicense(t *testing.T) {
	srv := cptest.Start(t, func(c *controlplaneConfig) { c.LicenseSeats = 2 })
	admin := srv.Client(cptest.AdminToken)
	var sub struct {
		Seats              struct{ Total, Used int }
		StudioSeatsUsed    int
		AdministratorUsers int
	}
	admin.Must(t, 200, "GET", "/account/subscription", nil, &sub)
	if sub.Seats.Total != 2 || sub.Seats.Used != 1 || sub.StudioSeatsUsed != 1 || sub.AdministratorUsers != 1 {
		t.Fatalf("license use at start: %+v", sub)
	}
	// Operator + Environment Administrator is still one seat.
	admin.Must(t, 201, "POST", "/account/users", map[string]any{"login": "op1", "email": "op1@example.test",
		"roles": []string{state.RoleOperator, state.RoleEnvironmentAdministrator}}, nil)
	e := admin.MustFail(t, 409, "POST", "/account/users", map[string]any{"login": "op2", "email": "op2@example.test",
		"roles": []string{state.RoleOperator}})
	if !strings.Contains(e.Message, "seats") {
		t.Fatalf("seat refusal message: %q", e.Message)
	}
	// Security Administrators and engine users take no seat.
	var sec user
	admin.Must(t, 201, "POST", "/account/users", map[string]any{"login": "sec", "email": "sec@example.test",
		"roles": []string{state.RoleSecurityAdministrator}}, &sec)
	// Adding a seat permission to a role its holder has would exceed too.
	admin.MustFail(t, 409, "PUT", "/account/roles/"+state.RoleSecurityAdministrator,
		map[string]any{"permissions": []string{state.PermUserManagement, state.PermOperator}})
	admin.Must(t, 200, "GET", "/account/subscription", nil, &sub)
	if sub.Seats.Used != 2 {
		t.Fatalf("seats used: %d", sub.Seats.Used)
	}
}

// A user whose Personal workspace still holds an artifact (and the task
// its upload created) is not deleted: those would be left pointing at a
// workspace that is gone. Once they are deleted, so is the user.
func TestDeleteUserRefusedWhilePersonalWorkspaceHoldsWork(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	u := srv.NewUser(t)
	var me struct{ ID string }
	admin.Must(t, 200, "GET", "/account/me", nil, &me)
	srv.Grant(t, u.PersonalWorkspaceID, me.ID, "AUTHOR", "PUBLISH", "VIEW", "MANAGE")
	body, err := executionstest.Archive(executionstest.JobManifest("kept", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	if err != nil {
		t.Fatal(err)
	}
	status, raw, err := admin.Send("POST", "/orchestration/artifacts?workspaceId="+u.PersonalWorkspaceID, "application/gzip", body)
	if err != nil {
		t.Fatal(err)
	}
	var pub struct{ ID, TaskID string }
	_ = json.Unmarshal(raw, &pub)
	if status != 201 || pub.ID == "" {
		t.Fatalf("upload into the Personal workspace: %d %+v", status, pub)
	}

	if e := admin.MustFail(t, 409, "DELETE", "/account/users/"+u.ID, nil); !strings.Contains(e.Message, "still holds") {
		t.Fatalf("refusal: %q", e.Message)
	}
	srv.Client(u.Token).Must(t, 200, "GET", "/account/me", nil, nil) // nothing was deleted
	if pub.TaskID != "" {
		admin.Must(t, 204, "DELETE", "/orchestration/executables/tasks/"+pub.TaskID, nil, nil)
	}
	admin.Must(t, 204, "DELETE", "/orchestration/artifacts/"+pub.ID, nil, nil)
	admin.Must(t, 204, "DELETE", "/account/users/"+u.ID, nil, nil)
}
