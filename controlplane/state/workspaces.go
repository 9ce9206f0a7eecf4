package state

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Workspace types.
const (
	WorkspacePersonal = "PERSONAL"
	WorkspaceShared   = "SHARED"
	WorkspaceCustom   = "CUSTOM"
)

// SharedWorkspaceName is the built-in Shared workspace of the default
// environment.
const SharedWorkspaceName = "Shared"

// MaxTasksPerWorkspace is Talend's recommended ceiling: above it a
// workspace cannot be promoted. Task creation refuses to go past it.
const MaxTasksPerWorkspace = 7000

// Workspace holds artifacts, tasks, plans, connections and resources of
// one environment.
type Workspace struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	EnvironmentID string    `json:"environmentId"`
	Type          string    `json:"type"`
	OwnerID       string    `json:"owner"`
	Description   string    `json:"description,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
}

const (
	tableWorkspaces = "workspaces"

	CmdWorkspaceCreate = "workspace.create"
	CmdWorkspaceUpdate = "workspace.update"
	CmdWorkspaceDelete = "workspace.delete"
)

func workspaceSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			// No index on EnvironmentID alone: WorkspacesIn scans a prefix
			// of environment_name, one index less to write per workspace.
			table(tableWorkspaces, func() any { return new(Workspace) }, idIndex(),
				compoundIndex("environment_name", true, "EnvironmentID", "Name"),
				stringIndex("owner", "OwnerID", false)),
		},
		Handlers: map[string]cluster.Handler{
			CmdWorkspaceCreate: applyWorkspaceCreate,
			CmdWorkspaceUpdate: applyWorkspaceUpdate,
			CmdWorkspaceDelete: applyWorkspaceDelete,
		},
	}
}

// WorkspaceByID reads a workspace.
func WorkspaceByID(txn Reader, id string) *Workspace {
	return first[Workspace](txn, tableWorkspaces, "id", id)
}

// WorkspacesIn lists an environment's workspaces in ID order.
func WorkspacesIn(txn Reader, envID string) []*Workspace {
	// The empty name prefix after the whole environment ID matches all of
	// this environment's names and no other environment's.
	list := all[Workspace](txn, tableWorkspaces, "environment_name_prefix", envID, "")
	slices.SortFunc(list, func(a, b *Workspace) int { return strings.Compare(a.ID, b.ID) })
	return list
}

// Workspaces lists every workspace in ID order.
func Workspaces(txn Reader) []*Workspace { return all[Workspace](txn, tableWorkspaces, "id") }

func personalWorkspace(id, envID string, u *User, now time.Time) *Workspace {
	return &Workspace{ID: id, Name: "Personal(" + u.Login + ")", EnvironmentID: envID,
		Type: WorkspacePersonal, OwnerID: u.ID, CreatedAt: now}
}

func applyWorkspaceCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var ws Workspace
	if err := cmd.Decode(&ws); err != nil {
		return nil, err
	}
	if EnvironmentByID(tx.Reader, ws.EnvironmentID) == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "environment %s not found", ws.EnvironmentID)
	}
	ws.Type = WorkspaceCustom
	return insertWorkspace(tx, &ws)
}

func insertWorkspace(tx *cluster.Tx, ws *Workspace) (*Workspace, error) {
	if err := validName("workspace name", ws.Name); err != nil {
		return nil, err
	}
	if ws.OwnerID == "" {
		ws.OwnerID = tx.Meta.ActorID
	}
	if UserByID(tx.Reader, ws.OwnerID) == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "workspace owner %s is not a user", ws.OwnerID)
	}
	if workspaceNamed(tx.Reader, ws.EnvironmentID, ws.Name) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "a workspace named %q already exists in this environment", ws.Name)
	}
	ws.CreatedAt = tx.Meta.Time
	return ws, tx.Insert(tableWorkspaces, ws)
}

func workspaceNamed(txn Reader, envID, name string) *Workspace {
	return first[Workspace](txn, tableWorkspaces, "environment_name", envID, strings.ToLower(name))
}

// WorkspaceUpdate changes a workspace's name, description or owner.
type WorkspaceUpdate struct {
	ID          string  `json:"id"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	OwnerID     *string `json:"owner,omitempty"`
}

func applyWorkspaceUpdate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req WorkspaceUpdate
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := WorkspaceByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "workspace %s not found", req.ID)
	}
	next := *cur
	if req.Name != nil && *req.Name != cur.Name {
		if cur.Type != WorkspaceCustom {
			return nil, cluster.Reject(cluster.CodePrecondition, "a %s workspace cannot be renamed", strings.ToLower(cur.Type))
		}
		if err := validName("workspace name", *req.Name); err != nil {
			return nil, err
		}
		if other := workspaceNamed(tx.Reader, cur.EnvironmentID, *req.Name); other != nil && other.ID != cur.ID {
			return nil, cluster.Reject(cluster.CodeConflict, "a workspace named %q already exists in this environment", *req.Name)
		}
		next.Name = *req.Name
	}
	if req.Description != nil {
		next.Description = *req.Description
	}
	if req.OwnerID != nil {
		if UserByID(tx.Reader, *req.OwnerID) == nil {
			return nil, cluster.Reject(cluster.CodeNotFound, "workspace owner %s is not a user", *req.OwnerID)
		}
		next.OwnerID = *req.OwnerID
	}
	return &next, tx.Insert(tableWorkspaces, &next)
}

// WorkspaceDeleteResult tells whether the environment went with it.
type WorkspaceDeleteResult struct {
	EnvironmentDeleted bool `json:"environmentDeleted"`
}

func applyWorkspaceDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	ws := WorkspaceByID(tx.Reader, req.ID)
	if ws == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "workspace %s not found", req.ID)
	}
	switch ws.Type {
	case WorkspacePersonal:
		return nil, cluster.Reject(cluster.CodePrecondition, "a personal workspace is deleted with its user")
	case WorkspaceShared:
		return nil, cluster.Reject(cluster.CodePrecondition, "the built-in Shared workspace cannot be deleted")
	}
	if err := workspaceEmpty(tx.Reader, ws, ""); err != nil {
		return nil, err
	}
	if err := releaseWorkspace(tx, ws.ID); err != nil {
		return nil, err
	}
	if err := tx.Delete(tableWorkspaces, ws); err != nil {
		return nil, err
	}
	// The product's rule: deleting the last workspace of an environment
	// deletes the environment (the default one always keeps Shared).
	env := EnvironmentByID(tx.Reader, ws.EnvironmentID)
	if env != nil && !env.Default && len(WorkspacesIn(tx.Reader, env.ID)) == 0 {
		return &WorkspaceDeleteResult{EnvironmentDeleted: true}, tx.Delete(tableEnvironments, env)
	}
	return &WorkspaceDeleteResult{}, nil
}

// workspaceEmpty refuses deleting a workspace that still holds tasks,
// plans or artifacts: they would be left pointing at nothing. whose, when
// set, names the owner in the message ("user ann's").
func workspaceEmpty(txn Reader, ws *Workspace, whose string) error {
	name := fmt.Sprintf("workspace %q", ws.Name)
	if whose != "" {
		name = whose + " " + name
	}
	if n := len(TasksIn(txn, ws.ID)); n > 0 {
		return cluster.Reject(cluster.CodePrecondition, "%s still holds %d task(s); move or delete them first", name, n)
	}
	if first[Plan](txn, tablePlans, "workspace", ws.ID) != nil {
		return cluster.Reject(cluster.CodePrecondition, "%s still holds plans; delete them first", name)
	}
	if first[Artifact](txn, tableArtifacts, "workspace", ws.ID) != nil {
		return cluster.Reject(cluster.CodePrecondition, "%s still holds artifacts; delete them first", name)
	}
	return nil
}
