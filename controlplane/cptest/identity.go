package cptest

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
)

// TestPassword is the password of users made by NewUser.
const TestPassword = "Test-passw0rd!"

// User is a user made for a test, with a personal access token.
type User struct {
	ID, Login, Token string
	// PersonalWorkspaceID is the user's Personal workspace.
	PersonalWorkspaceID string
}

func suffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewUser creates, as the administrator, a role holding exactly perms
// (possibly none), a user with that role and password TestPassword, logs
// in and returns the user with a personal access token.
func (s *Server) NewUser(t testing.TB, perms ...string) User {
	t.Helper()
	admin := s.Client(AdminToken)
	n := suffix()
	if perms == nil {
		perms = []string{}
	}
	var role struct{ ID string }
	admin.Must(t, 201, "POST", "/account/roles", map[string]any{"name": "test-role-" + n, "permissions": perms}, &role)
	login := "user-" + n + "@example.test"
	var u struct{ ID string }
	admin.Must(t, 201, "POST", "/account/users", map[string]any{"login": login, "email": login,
		"roles": []string{role.ID}, "password": TestPassword}, &u)
	var sess struct {
		AccessToken string `json:"access_token"`
	}
	s.Client("").Must(t, 200, "POST", "/security/oauth/token", map[string]string{"grant_type": "password",
		"username": login, "password": TestPassword}, &sess)
	var pat struct{ Token string }
	s.Client(sess.AccessToken).Must(t, 201, "POST", "/account/access-tokens", map[string]string{"name": "test"}, &pat)
	var list []struct{ ID, Type, Owner string }
	admin.Must(t, 200, "GET", "/orchestration/workspaces", nil, &list)
	user := User{ID: u.ID, Login: login, Token: pat.Token}
	for _, ws := range list {
		if ws.Owner == u.ID && ws.Type == "PERSONAL" {
			user.PersonalWorkspaceID = ws.ID
		}
	}
	return user
}

// Grant gives a user rights on a workspace (as the administrator).
func (s *Server) Grant(t testing.TB, workspaceID, userID string, rights ...string) {
	t.Helper()
	s.Client(AdminToken).Must(t, 201, "POST",
		"/security/workspaces/"+workspaceID+"/users/"+userID+"/permissions", rights, nil)
}
