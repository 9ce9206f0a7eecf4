package state

import (
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// ServiceAccount is a non-human principal. Its ID is the OAuth
// client ID; only the SHA-256 of its secret is stored. It holds
// individual permissions, not roles.
type ServiceAccount struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	SecretHash       string    `json:"secretHash"`
	Permissions      []string  `json:"permissions"`
	CreatedDate      time.Time `json:"createdDate"`
	LastModifiedDate time.Time `json:"lastModifiedDate"`
	// LastUsedDate and LastUsedAPI: the last call made with a token of
	// this account, recorded at most once per UsageResolution.
	LastUsedDate time.Time `json:"lastUsedDate,omitzero"`
	LastUsedAPI  string    `json:"lastUsedApi,omitempty"`
}

// ServiceAccountPermissions are the permissions a service account may
// hold, in the order of the example of Talend's service account API.
func ServiceAccountPermissions() []string {
	return []string{
		PermAuditLogsView, PermEngineManagement, PermEnvironmentManagement, PermPromotionManagement,
		PermPromotionExecution, PermEngineUse, PermRunProfileManagement, PermOperator,
		PermGroupManagement, PermRoleManagement, PermUserManagement, PermServiceAccountManagement,
	}
}

// ErrServiceAccountNameUsed is the 409 text of Talend's service account API.
const ErrServiceAccountNameUsed = "The service account name is already used"

const (
	tableServiceAccounts = "service_accounts"

	CmdServiceAccountCreate = "service_account.create"
	CmdServiceAccountUpdate = "service_account.update"
	CmdServiceAccountDelete = "service_account.delete"
)

func serviceAccountSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableServiceAccounts, func() any { return new(ServiceAccount) }, idIndex(),
				stringIndexLower("name", "Name", true)),
		},
		Handlers: map[string]cluster.Handler{
			CmdServiceAccountCreate: applyServiceAccountCreate,
			CmdServiceAccountUpdate: applyServiceAccountUpdate,
			CmdServiceAccountDelete: applyServiceAccountDelete,
		},
	}
}

// ServiceAccountByID reads a service account.
func ServiceAccountByID(txn Reader, id string) *ServiceAccount {
	return first[ServiceAccount](txn, tableServiceAccounts, "id", id)
}

// ServiceAccounts lists every service account.
func ServiceAccounts(txn Reader) []*ServiceAccount {
	return all[ServiceAccount](txn, tableServiceAccounts, "id")
}

func validateServiceAccount(txn Reader, sa *ServiceAccount) error {
	if err := validName("service account name", sa.Name); err != nil {
		return err
	}
	if other := first[ServiceAccount](txn, tableServiceAccounts, "name", strings.ToLower(sa.Name)); other != nil && other.ID != sa.ID {
		return cluster.Reject(cluster.CodeConflict, ErrServiceAccountNameUsed)
	}
	return checkPermissionIDs(sa.Permissions, ServiceAccountPermissions())
}

// ServiceAccountCreateRequest creates a service account within the
// license's quota (Limit 0: no limit).
type ServiceAccountCreateRequest struct {
	ServiceAccount ServiceAccount `json:"serviceAccount"`
	Limit          int            `json:"limit"`
}

func applyServiceAccountCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ServiceAccountCreateRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	sa := req.ServiceAccount
	if !IsUUID(sa.ID) || sa.SecretHash == "" {
		return nil, cluster.Reject(cluster.CodeInvalid, "service account id (UUID) and secret hash are required")
	}
	if sa.Permissions == nil {
		sa.Permissions = []string{}
	}
	if err := validateServiceAccount(tx.Reader, &sa); err != nil {
		return nil, err
	}
	if n := len(ServiceAccounts(tx.Reader)); req.Limit > 0 && n >= req.Limit {
		return nil, cluster.Reject(cluster.CodeForbidden,
			"the license does not allow the service account creation: %d of %d service accounts exist", n, req.Limit)
	}
	sa.CreatedDate, sa.LastModifiedDate = cmd.Meta.Time, cmd.Meta.Time
	return &sa, tx.Insert(tableServiceAccounts, &sa)
}

// ServiceAccountUpdate changes the only two things that may change: the
// name and the permissions.
type ServiceAccountUpdate struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Permissions []string `json:"permissions"`
}

func applyServiceAccountUpdate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ServiceAccountUpdate
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := ServiceAccountByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "Service account is not found.")
	}
	next := *cur
	next.Name, next.Permissions, next.LastModifiedDate = req.Name, append([]string{}, req.Permissions...), cmd.Meta.Time
	if err := validateServiceAccount(tx.Reader, &next); err != nil {
		return nil, err
	}
	return &next, tx.Insert(tableServiceAccounts, &next)
}

func applyServiceAccountDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	sa := ServiceAccountByID(tx.Reader, req.ID)
	if sa == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "Service account is not found.")
	}
	if err := deletePrincipalAccess(tx, KindServiceAccount, sa.ID); err != nil {
		return nil, err
	}
	return nil, tx.Delete(tableServiceAccounts, sa)
}

// PermissionsOfPrincipal returns a principal's account-wide permissions:
// a user's through their roles, a service account's directly.
func PermissionsOfPrincipal(txn Reader, kind, id string) map[string]bool {
	switch kind {
	case KindUser:
		if u := UserByID(txn, id); u != nil {
			return PermissionsOf(txn, u.Roles)
		}
	case KindServiceAccount:
		if sa := ServiceAccountByID(txn, id); sa != nil {
			perms := map[string]bool{}
			for _, p := range sa.Permissions {
				perms[p] = true
			}
			return perms
		}
	}
	return map[string]bool{}
}
