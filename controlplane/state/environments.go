package state

import (
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// DefaultEnvironmentName is the environment every account starts with.
const DefaultEnvironmentName = "default"

// Environment is a self-contained space with its own workspaces, engines
// and connections; tasks run in it in isolation.
type Environment struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Default     bool      `json:"default"`
	CreatedAt   time.Time `json:"createdAt"`
}

const (
	tableEnvironments = "environments"

	CmdEnvironmentCreate = "environment.create"
	CmdEnvironmentUpdate = "environment.update"
	CmdEnvironmentDelete = "environment.delete"
)

func environmentSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableEnvironments, func() any { return new(Environment) }, idIndex(),
				stringIndexLower("name", "Name", true)),
		},
		Handlers: map[string]cluster.Handler{
			CmdEnvironmentCreate: applyEnvironmentCreate,
			CmdEnvironmentUpdate: applyEnvironmentUpdate,
			CmdEnvironmentDelete: applyEnvironmentDelete,
		},
	}
}

// EnvironmentByID reads an environment.
func EnvironmentByID(txn Reader, id string) *Environment {
	return first[Environment](txn, tableEnvironments, "id", id)
}

// EnvironmentByName reads an environment by name (case-insensitive).
func EnvironmentByName(txn Reader, name string) *Environment {
	return first[Environment](txn, tableEnvironments, "name", strings.ToLower(name))
}

// Environments lists all environments in ID order.
func Environments(txn Reader) []*Environment { return all[Environment](txn, tableEnvironments, "id") }

// EnvironmentCreateRequest creates an environment together with its first
// workspace, as the product always does.
type EnvironmentCreateRequest struct {
	Environment Environment `json:"environment"`
	Workspace   Workspace   `json:"workspace"`
}

func applyEnvironmentCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EnvironmentCreateRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	env := req.Environment
	if err := validName("environment name", env.Name); err != nil {
		return nil, err
	}
	if EnvironmentByName(tx.Reader, env.Name) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "an environment named %q already exists", env.Name)
	}
	env.Default, env.CreatedAt = false, cmd.Meta.Time
	if err := tx.Insert(tableEnvironments, &env); err != nil {
		return nil, err
	}
	ws := req.Workspace
	ws.EnvironmentID, ws.Type = env.ID, WorkspaceCustom
	if _, err := insertWorkspace(tx, &ws); err != nil {
		return nil, err
	}
	return &env, nil
}

// EnvironmentUpdate changes an environment's name or description; empty
// fields are left as they are.
type EnvironmentUpdate struct {
	ID          string  `json:"id"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

func applyEnvironmentUpdate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EnvironmentUpdate
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := EnvironmentByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "environment %s not found", req.ID)
	}
	next := *cur
	if req.Name != nil {
		if cur.Default && *req.Name != cur.Name {
			return nil, cluster.Reject(cluster.CodePrecondition, "the default environment cannot be renamed")
		}
		if err := validName("environment name", *req.Name); err != nil {
			return nil, err
		}
		if other := EnvironmentByName(tx.Reader, *req.Name); other != nil && other.ID != cur.ID {
			return nil, cluster.Reject(cluster.CodeConflict, "an environment named %q already exists", *req.Name)
		}
		next.Name = *req.Name
	}
	if req.Description != nil {
		next.Description = *req.Description
	}
	return &next, tx.Insert(tableEnvironments, &next)
}

// IDRequest names one object.
type IDRequest struct {
	ID string `json:"id"`
}

func applyEnvironmentDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	env := EnvironmentByID(tx.Reader, req.ID)
	if env == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "environment %s not found", req.ID)
	}
	if env.Default {
		return nil, cluster.Reject(cluster.CodePrecondition, "the default environment cannot be deleted")
	}
	return nil, deleteEnvironment(tx, env)
}

// deleteEnvironment removes an environment with all its workspaces.
func deleteEnvironment(tx *cluster.Tx, env *Environment) error {
	for _, ws := range WorkspacesIn(tx.Reader, env.ID) {
		if err := releaseWorkspace(tx, ws.ID); err != nil {
			return err
		}
		if err := tx.Delete(tableWorkspaces, ws); err != nil {
			return err
		}
	}
	return tx.Delete(tableEnvironments, env)
}
