package state

import (
	"slices"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Workspace rights, as Talend's workspace permissions API names them.
// USE_ENGINES is the product's
// "Use engines" and means EXECUTE + VIEW: it is stored as those two.
const (
	WsAuthor     = "AUTHOR"
	WsExecute    = "EXECUTE"
	WsView       = "VIEW"
	WsManage     = "MANAGE"
	WsPublish    = "PUBLISH"
	WsUseEngines = "USE_ENGINES"
)

// WorkspaceRights lists the stored rights in their display order.
func WorkspaceRights() []string { return []string{WsAuthor, WsExecute, WsView, WsManage, WsPublish} }

// WorkspacePermission is one principal's rights on one workspace.
type WorkspacePermission struct {
	ID            string    `json:"id"` // kind/principal/workspace
	WorkspaceID   string    `json:"workspaceId"`
	PrincipalKind string    `json:"principalKind"`
	PrincipalID   string    `json:"principalId"`
	Permissions   []string  `json:"permissions"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

const (
	tableWorkspacePermissions = "workspace_permissions"

	CmdWsPermApply       = "workspace_permission.apply"
	CmdWsPermBatchDelete = "workspace_permission.batch_delete"
)

// Operations of CmdWsPermApply.
const (
	WsPermCreate = "create"
	WsPermUpdate = "update"
	WsPermDelete = "delete"
)

func workspacePermissionSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableWorkspacePermissions, func() any { return new(WorkspacePermission) }, idIndex(),
				stringIndex("workspace", "WorkspaceID", false),
				compoundIndex("principal", false, "PrincipalKind", "PrincipalID")),
		},
		Handlers: map[string]cluster.Handler{
			CmdWsPermApply:       applyWsPermApply,
			CmdWsPermBatchDelete: applyWsPermBatchDelete,
		},
	}
}

func wsPermID(kind, principalID, workspaceID string) string {
	return kind + "/" + principalID + "/" + workspaceID
}

// WorkspacePermissionOf reads one principal's rights on one workspace.
func WorkspacePermissionOf(txn Reader, kind, principalID, workspaceID string) *WorkspacePermission {
	return first[WorkspacePermission](txn, tableWorkspacePermissions, "id", wsPermID(kind, principalID, workspaceID))
}

// WorkspacePermissionsOf lists a principal's rights on every workspace.
func WorkspacePermissionsOf(txn Reader, kind, principalID string) []*WorkspacePermission {
	return all[WorkspacePermission](txn, tableWorkspacePermissions, "principal", kind, principalID)
}

// WorkspacePermissionsIn lists every principal's rights on a workspace.
func WorkspacePermissionsIn(txn Reader, workspaceID string) []*WorkspacePermission {
	return all[WorkspacePermission](txn, tableWorkspacePermissions, "workspace", workspaceID)
}

// AllWorkspacePermissions lists every record.
func AllWorkspacePermissions(txn Reader) []*WorkspacePermission {
	return all[WorkspacePermission](txn, tableWorkspacePermissions, "id")
}

// PermissionItem is one elementary change: a Permission of the workspace
// permissions API, with
// the principal (user or service account) in PrincipalID.
type PermissionItem struct {
	WorkspaceID string   `json:"workspaceId"`
	PrincipalID string   `json:"userId"`
	Permissions []string `json:"permissions"`
}

// ItemOutcome is the result of one elementary change: Code is empty when
// it was applied, else a cluster rejection code.
type ItemOutcome struct {
	Code    string         `json:"code,omitempty"`
	Message string         `json:"message,omitempty"`
	Item    PermissionItem `json:"item"`
}

// WsPermApplyRequest applies items in list order. Each item is applied
// whole or not at all; with Atomic (the single-item endpoints) the first
// refusal rejects the command.
type WsPermApplyRequest struct {
	Op     string           `json:"op"`
	Kind   string           `json:"kind"`
	Items  []PermissionItem `json:"items"`
	Atomic bool             `json:"atomic"`
}

func applyWsPermApply(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req WsPermApplyRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	out := make([]ItemOutcome, 0, len(req.Items))
	for _, item := range req.Items {
		err := applyPermissionItem(tx, req.Op, req.Kind, item)
		rej, isRej := cluster.AsRejection(err)
		switch {
		case err == nil:
			out = append(out, ItemOutcome{Item: item})
		case !isRej:
			return nil, err
		case req.Atomic:
			return nil, rej
		default:
			out = append(out, ItemOutcome{Code: rej.Code, Message: rej.Message, Item: item})
		}
	}
	return out, nil
}

// applyPermissionItem checks everything before its one write, so a
// refused item changes nothing.
func applyPermissionItem(tx *cluster.Tx, op, kind string, item PermissionItem) error {
	if err := checkPrincipalRef(tx.Reader, kind, item.PrincipalID, item.WorkspaceID); err != nil {
		return err
	}
	cur := WorkspacePermissionOf(tx.Reader, kind, item.PrincipalID, item.WorkspaceID)
	if op == WsPermDelete {
		if cur == nil {
			return cluster.Reject(cluster.CodeNotFound, "The permission to delete doesn't exist")
		}
		return tx.Delete(tableWorkspacePermissions, cur)
	}
	rights, err := normalizeRights(item.Permissions)
	if err != nil {
		return err
	}
	if err := checkEngineUseRule(tx.Reader, kind, item.PrincipalID, rights); err != nil {
		return err
	}
	switch {
	case op == WsPermCreate && cur != nil:
		return cluster.Reject(cluster.CodeConflict, "a permission of %s on workspace %s already exists; update it instead", item.PrincipalID, item.WorkspaceID)
	case op == WsPermUpdate && cur == nil:
		return cluster.Reject(cluster.CodeNotFound, "The permission to update doesn't exist")
	case op != WsPermCreate && op != WsPermUpdate:
		return cluster.Reject(cluster.CodeInvalid, "unknown operation %q", op)
	}
	return tx.Insert(tableWorkspacePermissions, &WorkspacePermission{
		ID: wsPermID(kind, item.PrincipalID, item.WorkspaceID), WorkspaceID: item.WorkspaceID,
		PrincipalKind: kind, PrincipalID: item.PrincipalID, Permissions: rights, UpdatedAt: tx.Meta.Time,
	})
}

// checkPrincipalRef validates the IDs' form (400) and existence (404).
func checkPrincipalRef(txn Reader, kind, principalID, workspaceID string) error {
	if !IsObjectID(workspaceID) {
		return cluster.Reject(cluster.CodeInvalid, "workspaceId %q is not a valid workspace ID", workspaceID)
	}
	if !IsUUID(principalID) {
		return cluster.Reject(cluster.CodeInvalid, "%s id %q is not a valid UUID", kind, principalID)
	}
	if WorkspaceByID(txn, workspaceID) == nil {
		return cluster.Reject(cluster.CodeNotFound, "The workspace or the user does not exist: workspace %s", workspaceID)
	}
	if !principalExists(txn, kind, principalID) {
		return cluster.Reject(cluster.CodeNotFound, "The workspace or the user does not exist: %s %s", kind, principalID)
	}
	return nil
}

func principalExists(txn Reader, kind, id string) bool {
	switch kind {
	case KindUser:
		return UserByID(txn, id) != nil
	case KindServiceAccount:
		return ServiceAccountByID(txn, id) != nil
	}
	return false
}

// normalizeRights validates names, expands USE_ENGINES and returns the
// rights in display order without duplicates.
func normalizeRights(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, cluster.Reject(cluster.CodeInvalid, "permissions must name at least one of %v or %s", WorkspaceRights(), WsUseEngines)
	}
	set := map[string]bool{}
	for _, r := range in {
		switch {
		case r == WsUseEngines:
			set[WsExecute], set[WsView] = true, true
		case slices.Contains(WorkspaceRights(), r):
			set[r] = true
		default:
			return nil, cluster.Reject(cluster.CodeInvalid, "unknown workspace permission %q; known: %v and %s", r, WorkspaceRights(), WsUseEngines)
		}
	}
	var out []string
	for _, r := range WorkspaceRights() {
		if set[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

// checkEngineUseRule: a holder of TMC_ENGINE_USE may be granted EXECUTE
// and VIEW only.
func checkEngineUseRule(txn Reader, kind, id string, rights []string) error {
	if !PermissionsOfPrincipal(txn, kind, id)[PermEngineUse] {
		return nil
	}
	for _, r := range rights {
		if r != WsExecute && r != WsView {
			return cluster.Reject(cluster.CodeInvalid,
				"%s %s holds %s and can be granted only EXECUTE and VIEW, not %s", kind, id, PermEngineUse, r)
		}
	}
	return nil
}

// WsPermBatchDeleteRequest removes every record whose principal is in
// PrincipalIDs and whose workspace is in WorkspaceIDs; an empty list means
// "all" on that side (not both).
type WsPermBatchDeleteRequest struct {
	Kind         string   `json:"kind"`
	PrincipalIDs []string `json:"principalIds"`
	WorkspaceIDs []string `json:"workspaceIds"`
}

// DeleteOutcome reports a refused part of a batch delete.
type DeleteOutcome struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	WorkspaceID string `json:"workspaceId,omitempty"`
	PrincipalID string `json:"userId,omitempty"`
}

func applyWsPermBatchDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req WsPermBatchDeleteRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if len(req.PrincipalIDs) == 0 && len(req.WorkspaceIDs) == 0 {
		return nil, cluster.Reject(cluster.CodeInvalid, "give principal IDs, workspace IDs or both; deleting every permission at once is refused")
	}
	refused := []DeleteOutcome{}
	principals := checkedIDs(req.PrincipalIDs, func(id string) (string, string) {
		if !IsUUID(id) {
			return cluster.CodeInvalid, "not a valid UUID"
		}
		if !principalExists(tx.Reader, req.Kind, id) {
			return cluster.CodeNotFound, "The workspace id or the user does not exist"
		}
		return "", ""
	}, func(id, code, msg string) {
		refused = append(refused, DeleteOutcome{Code: code, Message: msg, PrincipalID: id})
	})
	workspaces := checkedIDs(req.WorkspaceIDs, func(id string) (string, string) {
		if !IsObjectID(id) {
			return cluster.CodeInvalid, "not a valid workspace ID"
		}
		if WorkspaceByID(tx.Reader, id) == nil {
			return cluster.CodeNotFound, "The workspace id or the user does not exist"
		}
		return "", ""
	}, func(id, code, msg string) {
		refused = append(refused, DeleteOutcome{Code: code, Message: msg, WorkspaceID: id})
	})
	for _, p := range AllWorkspacePermissions(tx.Reader) {
		if p.PrincipalKind != req.Kind {
			continue
		}
		inP := len(req.PrincipalIDs) == 0 || principals[p.PrincipalID]
		inW := len(req.WorkspaceIDs) == 0 || workspaces[p.WorkspaceID]
		if inP && inW {
			if err := tx.Delete(tableWorkspacePermissions, p); err != nil {
				return nil, err
			}
		}
	}
	return refused, nil
}

func checkedIDs(ids []string, check func(string) (string, string), refuse func(id, code, msg string)) map[string]bool {
	ok := map[string]bool{}
	for _, id := range ids {
		if code, msg := check(id); code != "" {
			refuse(id, code, msg)
			continue
		}
		ok[id] = true
	}
	return ok
}

// releaseWorkspace runs before a workspace is deleted (directly, with its
// environment or with its user's Personal workspace). Every domain whose
// rows point at a workspace adds its cleanup here, one line each:
// engines allocated to the workspace become unassigned, its tasks and
// plans go with it.
func releaseWorkspace(tx *cluster.Tx, workspaceID string) error {
	for _, release := range []func(*cluster.Tx, string) error{
		deleteWorkspacePermissionsIn,
		unassignEnginesFrom,
	} {
		if err := release(tx, workspaceID); err != nil {
			return err
		}
	}
	return nil
}

func deleteWorkspacePermissionsIn(tx *cluster.Tx, workspaceID string) error {
	for _, p := range WorkspacePermissionsIn(tx.Reader, workspaceID) {
		if err := tx.Delete(tableWorkspacePermissions, p); err != nil {
			return err
		}
	}
	return nil
}

// unassignEnginesFrom makes the engines and engine clusters allocated to a
// workspace that goes available to its whole environment again (Talend:
// deleting a workspace, or the user owning a Personal one).
func unassignEnginesFrom(tx *cluster.Tx, workspaceID string) error {
	for _, e := range Engines(tx.Reader) {
		if e.WorkspaceID != workspaceID {
			continue
		}
		next := *e
		next.WorkspaceID = ""
		if err := tx.Insert(tableEngines, &next); err != nil {
			return err
		}
	}
	for _, c := range EngineClusters(tx.Reader) {
		if c.WorkspaceID != workspaceID {
			continue
		}
		next := *c
		next.WorkspaceID = ""
		if err := tx.Insert(tableEngineClusters, &next); err != nil {
			return err
		}
	}
	return nil
}
