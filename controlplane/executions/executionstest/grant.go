package executionstest

import (
	"context"
	"fmt"

	"github.com/roundhouse/roundhouse/api"
)

// GrantAll gives the token's user every workspace right (AUTHOR, EXECUTE,
// VIEW, MANAGE, PUBLISH) on a workspace: roles grant nothing inside
// workspaces, so tests acting as the bootstrap admin need them.
func GrantAll(baseURL, token, workspaceID string) error {
	c, err := client(baseURL, token)
	if err != nil {
		return err
	}
	ctx := context.Background()
	me, err := c.Me(ctx)
	if err != nil {
		return err
	}
	return c.UserPermissions().Grant(ctx, workspaceID, me.ID,
		api.RightAuthor, api.RightExecute, api.RightView, api.RightManage, api.RightPublish)
}

// SharedWorkspace returns the default environment and its Shared
// workspace, after granting the token's user every right on it.
func SharedWorkspace(baseURL, token string) (envID, workspaceID string, err error) {
	c, err := client(baseURL, token)
	if err != nil {
		return "", "", err
	}
	ctx := context.Background()
	envs, err := c.Environments().List(ctx, "default")
	if err != nil || len(envs) == 0 {
		return "", "", fmt.Errorf("default environment: %v", err)
	}
	wss, err := c.Workspaces().List(ctx, api.WorkspaceFilter{EnvironmentID: envs[0].ID})
	if err != nil {
		return "", "", err
	}
	for _, ws := range wss {
		if ws.Type == "SHARED" {
			return envs[0].ID, ws.ID, GrantAll(baseURL, token, ws.ID)
		}
	}
	return "", "", fmt.Errorf("no Shared workspace in the default environment")
}

// client calls baseURL as token, each call sent once.
func client(baseURL, token string) (*api.Client, error) {
	c, err := api.New(api.Config{Address: baseURL, Token: token})
	if err != nil {
		return nil, err
	}
	return c.WithRetry(api.NoRetry()), nil
}
