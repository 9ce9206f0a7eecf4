package state

import (
	"slices"
	"strings"

	"github.com/roundhouse/roundhouse/cluster"
)

// Principal kinds, as authz names them.
const (
	KindUser           = "user"
	KindServiceAccount = "service-account"
)

// KnownPermissions lists every permission ID a role may hold.
func KnownPermissions() []string {
	return []string{
		PermUserManagement, PermRoleManagement, PermGroupManagement, PermSubscriptionManagement,
		PermPasswordPolicy, PermSSOManagement, PermServiceAccountManagement, PermAuditLogsView,
		PermProjectManagement, PermArtifactRepoConfig, PermPromotionManagement, PermEnvironmentManagement,
		PermPromotionExecution, PermEngineManagement, PermStaticIPManagement, PermExportLogsManagement,
		PermCloudConfigManagement, PermRunProfileManagement, PermOperator, PermStudioDeveloper,
		PermEngineUse, PermControlPlaneManagement,
	}
}

// SeatPermissions are the permissions that make a user consume a TMC
// seat; holding several still takes one seat.
func SeatPermissions() []string {
	return []string{
		PermStaticIPManagement, PermPromotionManagement, PermPromotionExecution, PermOperator,
		PermExportLogsManagement, PermEngineManagement, PermEnvironmentManagement,
	}
}

// ConsumesSeat reports whether an active user with these permissions
// takes a TMC seat.
func ConsumesSeat(perms map[string]bool) bool {
	for _, p := range SeatPermissions() {
		if perms[p] {
			return true
		}
	}
	return false
}

// SeatsUsed counts the active users taking a TMC seat.
func SeatsUsed(txn Reader) int {
	n := 0
	for _, u := range Users(txn) {
		if u.Status == UserActive && ConsumesSeat(PermissionsOf(txn, u.Roles)) {
			n++
		}
	}
	return n
}

// checkSeats refuses a change that leaves more seat-taking users than the
// license allows (limit 0: no limit). Run after the change, in its txn.
func checkSeats(txn Reader, limit int) error {
	if limit <= 0 {
		return nil
	}
	if used := SeatsUsed(txn); used > limit {
		return cluster.Reject(cluster.CodePrecondition,
			"no available seats: this change needs %d Management Console seats and the license has %d", used, limit)
	}
	return nil
}

func checkPermissionIDs(perms []string, allowed []string) error {
	seen := map[string]bool{}
	for _, p := range perms {
		if !slices.Contains(allowed, p) {
			return cluster.Reject(cluster.CodeInvalid, "unknown permission %q", p)
		}
		if seen[p] {
			return cluster.Reject(cluster.CodeInvalid, "permission %q listed twice", p)
		}
		seen[p] = true
	}
	return nil
}

func checkRoleIDs(txn Reader, ids []string) error {
	seen := map[string]bool{}
	for _, id := range ids {
		if RoleByID(txn, id) == nil {
			return cluster.Reject(cluster.CodeInvalid, "unknown role %q", id)
		}
		if seen[id] {
			return cluster.Reject(cluster.CodeInvalid, "role %q listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

// RoleByName reads a role by name (case-insensitive).
func RoleByName(txn Reader, name string) *Role {
	return first[Role](txn, tableRoles, "name", strings.ToLower(name))
}

// Role commands.
const (
	CmdRoleCreate = "role.create"
	CmdRoleUpdate = "role.update"
	CmdRoleDelete = "role.delete"
)

func roleSpec() cluster.Spec {
	return cluster.Spec{Handlers: map[string]cluster.Handler{
		CmdRoleCreate: applyRoleCreate,
		CmdRoleUpdate: applyRoleUpdate,
		CmdRoleDelete: applyRoleDelete,
	}}
}

func validateRole(txn Reader, r *Role) error {
	if err := validName("role name", r.Name); err != nil {
		return err
	}
	if other := RoleByName(txn, r.Name); other != nil && other.ID != r.ID {
		return cluster.Reject(cluster.CodeConflict, "a role named %q already exists", r.Name)
	}
	return checkPermissionIDs(r.Permissions, KnownPermissions())
}

func applyRoleCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var r Role
	if err := cmd.Decode(&r); err != nil {
		return nil, err
	}
	if r.ID == "" || RoleByID(tx.Reader, r.ID) != nil {
		return nil, cluster.Reject(cluster.CodeInvalid, "role id missing or taken")
	}
	r.Predefined = false
	if r.Permissions == nil {
		r.Permissions = []string{}
	}
	if err := validateRole(tx.Reader, &r); err != nil {
		return nil, err
	}
	return &r, tx.Insert(tableRoles, &r)
}

// RoleUpdate changes a role; nil fields stay. Changes take effect at once
// for every holder (tokens follow their owner's roles).
type RoleUpdate struct {
	ID          string    `json:"id"`
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
	SeatLimit   int       `json:"seatLimit"`
}

func applyRoleUpdate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req RoleUpdate
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := RoleByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "role %s not found", req.ID)
	}
	next := *cur
	if req.Name != nil {
		next.Name = *req.Name
	}
	if req.Description != nil {
		next.Description = *req.Description
	}
	if req.Permissions != nil {
		next.Permissions = append([]string{}, *req.Permissions...)
	}
	if err := validateRole(tx.Reader, &next); err != nil {
		return nil, err
	}
	if err := tx.Insert(tableRoles, &next); err != nil {
		return nil, err
	}
	return &next, checkSeats(tx.Reader, req.SeatLimit)
}

func applyRoleDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	r := RoleByID(tx.Reader, req.ID)
	if r == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "role %s not found", req.ID)
	}
	if r.ID == RoleSecurityAdministrator {
		return nil, cluster.Reject(cluster.CodePrecondition, "the Security Administrator role cannot be deleted")
	}
	for _, u := range Users(tx.Reader) {
		if !slices.Contains(u.Roles, r.ID) {
			continue
		}
		next := *u
		next.Roles = slices.DeleteFunc(slices.Clone(u.Roles), func(id string) bool { return id == r.ID })
		if err := tx.Insert(tableUsers, &next); err != nil {
			return nil, err
		}
	}
	return nil, tx.Delete(tableRoles, r)
}

// AdministratorPermissions make a user an "administrator user" on the
// license page of Talend Management Console: the Project, Environment and
// Infrastructure Administrator permissions.
func AdministratorPermissions() []string {
	return []string{
		PermArtifactRepoConfig, PermPromotionManagement, PermPromotionExecution, PermEnvironmentManagement,
		PermEngineManagement, PermStaticIPManagement, PermExportLogsManagement, PermCloudConfigManagement,
		PermRunProfileManagement,
	}
}

// UsersHolding counts the active users holding at least one of perms.
func UsersHolding(txn Reader, perms ...string) int {
	n := 0
	for _, u := range Users(txn) {
		held := PermissionsOf(txn, u.Roles)
		if u.Status == UserActive && slices.ContainsFunc(perms, func(p string) bool { return held[p] }) {
			n++
		}
	}
	return n
}
