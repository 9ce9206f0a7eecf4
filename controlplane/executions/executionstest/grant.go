package executionstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// GrantAll gives the token's user every workspace right (AUTHOR, EXECUTE,
// VIEW, MANAGE, PUBLISH) on a workspace: roles grant nothing inside
// workspaces, so tests acting as the bootstrap admin need them.
func GrantAll(baseURL, token, workspaceID string) error {
	do := caller(baseURL, token)
	var me struct {
		ID string `json:"id"`
	}
	if err := do("GET", "/account/me", nil, &me); err != nil {
		return err
	}
	return do("POST", "/security/workspaces/"+workspaceID+"/users/"+me.ID+"/permissions",
		[]string{"AUTHOR", "EXECUTE", "VIEW", "MANAGE", "PUBLISH"}, nil)
}

// SharedWorkspace returns the default environment and its Shared
// workspace, after granting the token's user every right on it.
func SharedWorkspace(baseURL, token string) (envID, workspaceID string, err error) {
	do := caller(baseURL, token)
	var envs []struct{ ID string }
	if err := do("GET", "/orchestration/environments?name=default", nil, &envs); err != nil || len(envs) == 0 {
		return "", "", fmt.Errorf("default environment: %v", err)
	}
	var wss []struct{ ID, Type string }
	if err := do("GET", "/orchestration/workspaces?environmentId="+envs[0].ID, nil, &wss); err != nil {
		return "", "", err
	}
	for _, ws := range wss {
		if ws.Type == "SHARED" {
			return envs[0].ID, ws.ID, GrantAll(baseURL, token, ws.ID)
		}
	}
	return "", "", fmt.Errorf("no Shared workspace in the default environment")
}

func caller(baseURL, token string) func(method, path string, body, out any) error {
	return func(method, path string, body, out any) error {
		var rd *bytes.Reader
		if body != nil {
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, err := http.NewRequest(method, baseURL+path, rd)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: status %d", method, path, resp.StatusCode)
		}
		if out != nil {
			return json.NewDecoder(resp.Body).Decode(out)
		}
		return nil
	}
}
