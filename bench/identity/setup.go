package main

import (
	"context"
	"fmt"
	"time"

	"github.com/roundhouse/roundhouse/api"
)

const password = "Bench-passw0rd!"

type user struct {
	*api.Client
	id, login string
}

func newUser(ctx context.Context, admin *api.Client) (user, error) {
	name, perms := "bench", []string{"TMC_OPERATOR"}
	role, err := admin.Roles().Create(ctx, api.RoleInput{Name: &name, Permissions: &perms})
	if err != nil {
		return user{}, err
	}
	u := user{login: "bench@example.test"}
	made, err := admin.Users().Create(ctx, api.UserCreate{Login: u.login, Email: u.login, Roles: []string{role.ID}, Password: password})
	if err != nil {
		return user{}, err
	}
	sess, err := admin.Login(ctx, u.login, password)
	if err != nil {
		return user{}, err
	}
	pat, err := admin.WithToken(sess.AccessToken).AccessTokens().Create(ctx, "bench")
	if err != nil {
		return user{}, err
	}
	u.id, u.Client = made.ID, admin.WithToken(pat.Token)
	return u, nil
}

// grantMany creates n workspaces and grants u rights on all in one batch,
// returning how long the batch took.
func grantMany(ctx context.Context, admin *api.Client, u user, n int) (time.Duration, error) {
	envs, err := admin.Environments().List(ctx, "")
	if err != nil {
		return 0, err
	}
	var batch []api.PermissionGrant
	for i := 0; i < n; i++ {
		ws, err := admin.Workspaces().Create(ctx, api.WorkspaceCreate{Name: fmt.Sprintf("ws-%d", i), EnvironmentID: envs[0].ID})
		if err != nil {
			return 0, err
		}
		batch = append(batch, api.PermissionGrant{WorkspaceID: ws.ID, UserID: u.id, Permissions: []string{api.RightView, api.RightExecute}})
	}
	t0 := time.Now()
	refused, err := admin.UserPermissions().GrantBatch(ctx, batch)
	if err == nil && len(refused) > 0 {
		err = fmt.Errorf("batch refused %d items, the first: %s", len(refused), refused[0].Message)
	}
	return time.Since(t0), err
}

// allowlist enables a list of n entries whose last one is loopback.
func allowlist(ctx context.Context, admin *api.Client, n int) error {
	var ips []api.IPEntry
	for i := 0; i < n-1; i++ {
		ips = append(ips, api.IPEntry{IP: fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)})
	}
	ips = append(ips, api.IPEntry{IP: "127.0.0.0/8"})
	enabled := true
	_, err := admin.IPAllowlist().Create(ctx, api.IPAllowlistInput{Enabled: &enabled, IPs: ips})
	return err
}
