package state

import (
	"slices"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Group is a named set of users, used to give projects to several users.
// Roles are never assigned to groups and groups never join workspaces.
type Group struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Members     []string  `json:"members"`
	CreatedAt   time.Time `json:"createdAt"`
}

const (
	tableGroups = "groups"

	CmdGroupCreate = "group.create"
	CmdGroupUpdate = "group.update"
	CmdGroupDelete = "group.delete"
)

func groupSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableGroups, func() any { return new(Group) }, idIndex(), stringIndexLower("name", "Name", true)),
		},
		Handlers: map[string]cluster.Handler{
			CmdGroupCreate: applyGroupCreate,
			CmdGroupUpdate: applyGroupUpdate,
			CmdGroupDelete: applyGroupDelete,
		},
	}
}

// GroupByID reads a group.
func GroupByID(txn Reader, id string) *Group { return first[Group](txn, tableGroups, "id", id) }

// Groups lists every group.
func Groups(txn Reader) []*Group { return all[Group](txn, tableGroups, "id") }

func validateGroup(txn Reader, g *Group) error {
	if err := validName("group name", g.Name); err != nil {
		return err
	}
	if other := first[Group](txn, tableGroups, "name", strings.ToLower(g.Name)); other != nil && other.ID != g.ID {
		return cluster.Reject(cluster.CodeConflict, "a group named %q already exists", g.Name)
	}
	seen := map[string]bool{}
	for _, id := range g.Members {
		if UserByID(txn, id) == nil {
			return cluster.Reject(cluster.CodeNotFound, "user %s not found", id)
		}
		if seen[id] {
			return cluster.Reject(cluster.CodeInvalid, "user %s listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

func applyGroupCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var g Group
	if err := cmd.Decode(&g); err != nil {
		return nil, err
	}
	if g.ID == "" || GroupByID(tx.Reader, g.ID) != nil {
		return nil, cluster.Reject(cluster.CodeInvalid, "group id missing or taken")
	}
	if g.Members == nil {
		g.Members = []string{}
	}
	if err := validateGroup(tx.Reader, &g); err != nil {
		return nil, err
	}
	g.CreatedAt = cmd.Meta.Time
	return &g, tx.Insert(tableGroups, &g)
}

// GroupUpdate changes a group; nil fields stay.
type GroupUpdate struct {
	ID          string    `json:"id"`
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Members     *[]string `json:"members,omitempty"`
}

func applyGroupUpdate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req GroupUpdate
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := GroupByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "group %s not found", req.ID)
	}
	next := *cur
	if req.Name != nil {
		next.Name = *req.Name
	}
	if req.Description != nil {
		next.Description = *req.Description
	}
	if req.Members != nil {
		next.Members = append([]string{}, *req.Members...)
	}
	if err := validateGroup(tx.Reader, &next); err != nil {
		return nil, err
	}
	return &next, tx.Insert(tableGroups, &next)
}

func applyGroupDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	g := GroupByID(tx.Reader, req.ID)
	if g == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "group %s not found", req.ID)
	}
	return nil, tx.Delete(tableGroups, g)
}

func removeGroupMember(tx *cluster.Tx, userID string) error {
	for _, g := range Groups(tx.Reader) {
		if !slices.Contains(g.Members, userID) {
			continue
		}
		next := *g
		next.Members = slices.DeleteFunc(slices.Clone(g.Members), func(id string) bool { return id == userID })
		if err := tx.Insert(tableGroups, &next); err != nil {
			return err
		}
	}
	return nil
}
