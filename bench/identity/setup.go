package main

import (
	"fmt"
	"time"
)

const password = "Bench-passw0rd!"

type user struct {
	client
	id, login string
}

func newUser(admin client) (user, error) {
	var role struct{ ID string }
	if _, err := admin.call("POST", "/account/roles", map[string]any{"name": "bench", "permissions": []string{"TMC_OPERATOR"}}, &role); err != nil {
		return user{}, err
	}
	u := user{login: "bench@example.test"}
	var made struct{ ID string }
	if _, err := admin.call("POST", "/account/users", map[string]any{"login": u.login, "email": u.login,
		"roles": []string{role.ID}, "password": password}, &made); err != nil {
		return user{}, err
	}
	var sess struct {
		AccessToken string `json:"access_token"`
	}
	anon := client{base: admin.base}
	if _, err := anon.call("POST", "/security/oauth/token", map[string]string{"grant_type": "password", "username": u.login, "password": password}, &sess); err != nil {
		return user{}, err
	}
	var pat struct{ Token string }
	if _, err := (client{admin.base, sess.AccessToken}).call("POST", "/account/access-tokens", map[string]string{"name": "bench"}, &pat); err != nil {
		return user{}, err
	}
	u.id, u.client = made.ID, client{admin.base, pat.Token}
	return u, nil
}

// grantMany creates n workspaces and grants u rights on all in one batch,
// returning how long the batch took.
func grantMany(admin client, u user, n int) (time.Duration, error) {
	var envs []struct{ ID string }
	if _, err := admin.call("GET", "/orchestration/environments", nil, &envs); err != nil {
		return 0, err
	}
	var batch []map[string]any
	for i := 0; i < n; i++ {
		var ws struct{ ID string }
		if _, err := admin.call("POST", "/orchestration/workspaces", map[string]any{"name": fmt.Sprintf("ws-%d", i), "environmentId": envs[0].ID}, &ws); err != nil {
			return 0, err
		}
		batch = append(batch, map[string]any{"workspaceId": ws.ID, "userId": u.id, "permissions": []string{"VIEW", "EXECUTE"}})
	}
	t0 := time.Now()
	st, err := admin.call("POST", "/security/permissions/batch", batch, nil)
	if err == nil && st != 204 {
		err = fmt.Errorf("batch answered %d", st)
	}
	return time.Since(t0), err
}

// allowlist enables a list of n entries whose last one is loopback.
func allowlist(admin client, n int) error {
	var ips []map[string]string
	for i := 0; i < n-1; i++ {
		ips = append(ips, map[string]string{"ip": fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)})
	}
	ips = append(ips, map[string]string{"ip": "127.0.0.0/8"})
	_, err := admin.call("POST", "/v1/management/ip-allowlist", map[string]any{"enabled": true, "ips": ips}, nil)
	return err
}
