package api

import (
	"context"
	"net/url"
	"time"
)

// Environment groups workspaces (and their engines).
type Environment struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Default     bool      `json:"default"`
	CreatedAt   time.Time `json:"createdAt"`
}

// EnvironmentCreate creates an environment with its first workspace
// ("Shared" when Workspace is nil).
type EnvironmentCreate struct {
	Name        string           `json:"name"`
	Description string           `json:"description,omitempty"`
	Workspace   *WorkspaceCreate `json:"workspace,omitempty"`
}

// EnvironmentUpdate changes the fields that are set.
type EnvironmentUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// Workspace holds tasks, plans and artifacts; users hold rights on it.
type Workspace struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	EnvironmentID string `json:"environmentId"`
	Type          string `json:"type"` // SHARED, PERSONAL, CUSTOM
	Owner         string `json:"owner"`
	Description   string `json:"description,omitempty"`
	// Environment is the workspace's environment, as Talend's API shows it.
	Environment WorkspaceEnvironment `json:"environment"`
	CreatedAt   time.Time            `json:"createdAt"`
}

// WorkspaceEnvironment is the environment a workspace belongs to.
type WorkspaceEnvironment struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Default     bool   `json:"default"`
}

// WorkspaceCreate creates a workspace. EnvironmentID is not sent inside an
// EnvironmentCreate.
type WorkspaceCreate struct {
	Name          string `json:"name"`
	EnvironmentID string `json:"environmentId,omitempty"`
	Owner         string `json:"owner,omitempty"`
	Description   string `json:"description,omitempty"`
}

// WorkspaceUpdate changes the fields that are set.
type WorkspaceUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Owner       *string `json:"owner,omitempty"`
}

// Environments calls /orchestration/environments.
type Environments struct{ c *Client }

// Environments returns the environment calls.
func (c *Client) Environments() Environments { return Environments{c} }

const environmentsPath = "/orchestration/environments"

// List lists every environment; name, when set, keeps only that one.
func (s Environments) List(ctx context.Context, name string) ([]Environment, error) {
	var out []Environment
	return out, s.c.Do(ctx, "GET", environmentsPath, query("name", name), nil, &out)
}

// Get reads one environment.
func (s Environments) Get(ctx context.Context, id string) (*Environment, error) {
	var out Environment
	return &out, s.c.Do(ctx, "GET", environmentsPath+"/"+url.PathEscape(id), nil, nil, &out)
}

// Create creates an environment.
func (s Environments) Create(ctx context.Context, in EnvironmentCreate) (*Environment, error) {
	var out Environment
	return &out, s.c.Do(ctx, "POST", environmentsPath, nil, in, &out)
}

// Update changes an environment.
func (s Environments) Update(ctx context.Context, id string, in EnvironmentUpdate) (*Environment, error) {
	var out Environment
	return &out, s.c.Do(ctx, "PATCH", environmentsPath+"/"+url.PathEscape(id), nil, in, &out)
}

// Delete deletes an environment.
func (s Environments) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", environmentsPath+"/"+url.PathEscape(id), nil, nil, nil)
}

// Workspaces calls /orchestration/workspaces.
type Workspaces struct{ c *Client }

// Workspaces returns the workspace calls.
func (c *Client) Workspaces() Workspaces { return Workspaces{c} }

const workspacesPath = "/orchestration/workspaces"

// WorkspaceFilter narrows a workspace list; empty fields match all.
// Query is Talend's query syntax, e.g. "environment.name==staging;type==SHARED".
type WorkspaceFilter struct {
	EnvironmentID, EnvironmentName string
	Name, Type, Owner              string
	Query                          string
}

// List lists the workspaces matching f.
func (s Workspaces) List(ctx context.Context, f WorkspaceFilter) ([]Workspace, error) {
	var out []Workspace
	return out, s.c.Do(ctx, "GET", workspacesPath, query("environmentId", f.EnvironmentID, "environmentName", f.EnvironmentName,
		"name", f.Name, "type", f.Type, "owner", f.Owner, "query", f.Query), nil, &out)
}

// Get reads one workspace.
func (s Workspaces) Get(ctx context.Context, id string) (*Workspace, error) {
	var out Workspace
	return &out, s.c.Do(ctx, "GET", workspacesPath+"/"+url.PathEscape(id), nil, nil, &out)
}

// Create creates a workspace.
func (s Workspaces) Create(ctx context.Context, in WorkspaceCreate) (*Workspace, error) {
	var out Workspace
	return &out, s.c.Do(ctx, "POST", workspacesPath, nil, in, &out)
}

// Update changes a workspace.
func (s Workspaces) Update(ctx context.Context, id string, in WorkspaceUpdate) (*Workspace, error) {
	var out Workspace
	return &out, s.c.Do(ctx, "PATCH", workspacesPath+"/"+url.PathEscape(id), nil, in, &out)
}

// Delete deletes a workspace.
func (s Workspaces) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", workspacesPath+"/"+url.PathEscape(id), nil, nil, nil)
}
