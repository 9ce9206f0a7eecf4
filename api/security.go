package api

import (
	"context"
	"net/url"
	"strings"
)

// Workspace rights a user or service account can hold on a workspace.
const (
	RightView    = "VIEW"
	RightAuthor  = "AUTHOR"
	RightPublish = "PUBLISH"
	RightExecute = "EXECUTE"
	RightManage  = "MANAGE"
)

// WorkspacePermission is the rights one principal holds on one workspace.
// For service accounts UserID carries the service account's ID, as in
// Talend's API.
type WorkspacePermission struct {
	WorkspaceID string   `json:"workspaceId"`
	UserID      string   `json:"userId"`
	Permissions []string `json:"permissions"`
}

// PermissionGrant is one item of a batch.
type PermissionGrant struct {
	WorkspaceID      string   `json:"workspaceId"`
	UserID           string   `json:"userId,omitempty"`
	ServiceAccountID string   `json:"serviceAccountId,omitempty"`
	Permissions      []string `json:"permissions"`
}

// PermissionResult is a batch item the server refused (a 207 answer).
type PermissionResult struct {
	Status     int                 `json:"status"`
	Message    string              `json:"message"`
	Permission WorkspacePermission `json:"permission"`
}

// PermissionDeleteResult is a batch deletion the server refused.
type PermissionDeleteResult struct {
	Status       int    `json:"status"`
	Message      string `json:"message"`
	PermissionID struct {
		WorkspaceID string `json:"workspaceId"`
		UserID      string `json:"userId"`
	} `json:"permissionId"`
}

// PermissionFilter narrows a permission search; empty fields match all.
type PermissionFilter struct {
	WorkspaceID, EnvironmentID, PrincipalID string
}

// WorkspacePermissions calls the /security workspace-permission endpoints
// of users or of service accounts.
type WorkspacePermissions struct {
	c          *Client
	collection string // "users" or "service-accounts"
	search     string // search path
	idQuery    string // the principal's query parameter
}

// UserPermissions returns the workspace-permission calls for users.
func (c *Client) UserPermissions() WorkspacePermissions {
	return WorkspacePermissions{c, "users", "/security/permissions", "userId"}
}

// ServiceAccountPermissions returns the workspace-permission calls for
// service accounts.
func (c *Client) ServiceAccountPermissions() WorkspacePermissions {
	return WorkspacePermissions{c, "service-accounts", "/security/service-accounts/permissions", "serviceAccountId"}
}

func (s WorkspacePermissions) one(workspaceID, principalID string) string {
	return "/security/workspaces/" + url.PathEscape(workspaceID) + "/" + s.collection + "/" + url.PathEscape(principalID) + "/permissions"
}

// Get reads a principal's rights on a workspace.
func (s WorkspacePermissions) Get(ctx context.Context, workspaceID, principalID string) (*WorkspacePermission, error) {
	var out WorkspacePermission
	return &out, s.c.Do(ctx, "GET", s.one(workspaceID, principalID), nil, nil, &out)
}

// Grant gives a principal rights on a workspace it holds none on.
func (s WorkspacePermissions) Grant(ctx context.Context, workspaceID, principalID string, rights ...string) error {
	return s.c.Do(ctx, "POST", s.one(workspaceID, principalID), nil, nonNil(rights), nil)
}

// Set replaces a principal's rights on a workspace.
func (s WorkspacePermissions) Set(ctx context.Context, workspaceID, principalID string, rights ...string) error {
	return s.c.Do(ctx, "PUT", s.one(workspaceID, principalID), nil, nonNil(rights), nil)
}

// Revoke removes a principal's rights on a workspace.
func (s WorkspacePermissions) Revoke(ctx context.Context, workspaceID, principalID string) error {
	return s.c.Do(ctx, "DELETE", s.one(workspaceID, principalID), nil, nil, nil)
}

// Search lists the records matching f.
func (s WorkspacePermissions) Search(ctx context.Context, f PermissionFilter) ([]WorkspacePermission, error) {
	var out []WorkspacePermission
	q := query("workspaceId", f.WorkspaceID, "environmentId", f.EnvironmentID, s.idQuery, f.PrincipalID)
	return out, s.c.Do(ctx, "GET", s.search, q, nil, &out)
}

// GrantBatch creates many records; it returns the refused items (none
// when all were applied).
func (s WorkspacePermissions) GrantBatch(ctx context.Context, items []PermissionGrant) ([]PermissionResult, error) {
	var out []PermissionResult
	return out, s.c.Do(ctx, "POST", s.search+"/batch", nil, items, &out)
}

// SetBatch replaces many records; it returns the refused items.
func (s WorkspacePermissions) SetBatch(ctx context.Context, items []PermissionGrant) ([]PermissionResult, error) {
	var out []PermissionResult
	return out, s.c.Do(ctx, "PUT", s.search+"/batch", nil, items, &out)
}

// RevokeBatch removes the records of principalIDs on workspaceIDs (an
// empty side means all, not both); it returns the refused deletions.
func (s WorkspacePermissions) RevokeBatch(ctx context.Context, principalIDs, workspaceIDs []string) ([]PermissionDeleteResult, error) {
	var out []PermissionDeleteResult
	q := query(s.idQuery+"s", strings.Join(principalIDs, ","), "workspaceIds", strings.Join(workspaceIDs, ","))
	return out, s.c.Do(ctx, "DELETE", s.search+"/batch", q, nil, &out)
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
