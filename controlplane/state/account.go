package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Account is the one tenant a Roundhouse cluster serves.
type Account struct {
	ID                   string    `json:"id"` // always "account"
	Name                 string    `json:"name"`
	DefaultEnvironmentID string    `json:"defaultEnvironmentId"`
	CreatedAt            time.Time `json:"createdAt"`
}

const (
	tableAccount = "account"
	accountRowID = "account"

	CmdBootstrap = "account.bootstrap"
)

// BootstrapRequest creates what a new cluster starts with: the account,
// the predefined roles, the default environment with its Shared
// workspace, and the bootstrap administrator with a Personal workspace
// and one access token (its hash only).
type BootstrapRequest struct {
	AccountName         string      `json:"accountName"`
	EnvironmentID       string      `json:"environmentId"`
	SharedWorkspaceID   string      `json:"sharedWorkspaceId"`
	PersonalWorkspaceID string      `json:"personalWorkspaceId"`
	Admin               User        `json:"admin"`
	Token               AccessToken `json:"token"`
}

func accountSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableAccount, func() any { return new(Account) }, idIndex()),
			table(tableRoles, func() any { return new(Role) }, idIndex(), stringIndexLower("name", "Name", true)),
		},
		Handlers: map[string]cluster.Handler{CmdBootstrap: applyBootstrap},
	}
}

// AccountOf returns the account, nil before bootstrap.
func AccountOf(txn Reader) *Account { return first[Account](txn, tableAccount, "id", accountRowID) }

func applyBootstrap(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req BootstrapRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if AccountOf(tx.Reader) != nil {
		return nil, cluster.Reject(cluster.CodePrecondition, "the cluster is already bootstrapped")
	}
	now := cmd.Meta.Time
	for _, r := range PredefinedRoles() {
		if err := tx.Insert(tableRoles, &r); err != nil {
			return nil, err
		}
	}
	acct := &Account{ID: accountRowID, Name: req.AccountName, DefaultEnvironmentID: req.EnvironmentID, CreatedAt: now}
	env := &Environment{ID: req.EnvironmentID, Name: DefaultEnvironmentName, Default: true, CreatedAt: now}
	admin := req.Admin
	admin.Status, admin.CreatedAt = UserActive, now
	if len(admin.Roles) == 0 {
		for _, r := range PredefinedRoles() {
			admin.Roles = append(admin.Roles, r.ID)
		}
	}
	shared := &Workspace{ID: req.SharedWorkspaceID, Name: SharedWorkspaceName, EnvironmentID: env.ID,
		Type: WorkspaceShared, OwnerID: admin.ID, CreatedAt: now}
	personal := personalWorkspace(req.PersonalWorkspaceID, env.ID, &admin, now)
	tok := req.Token
	tok.UserID, tok.CreatedAt = admin.ID, now
	for _, ins := range []struct {
		table string
		row   any
	}{
		{tableAccount, acct}, {tableEnvironments, env}, {tableUsers, &admin},
		{tableWorkspaces, shared}, {tableWorkspaces, personal}, {tableTokens, &tok},
	} {
		if err := tx.Insert(ins.table, ins.row); err != nil {
			return nil, err
		}
	}
	return acct, nil
}
