package state

import (
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// User statuses.
const (
	UserActive      = "ACTIVE"
	UserDeactivated = "DEACTIVATED"
)

// User is a human account. Roles grant account-wide permissions; rights
// inside workspaces come only from workspace permissions. Credentials live
// in their own table (credentials.go) so a User row is safe to show.
type User struct {
	ID        string    `json:"id"`
	Login     string    `json:"login"`
	Email     string    `json:"email"`
	FirstName string    `json:"firstName,omitempty"`
	LastName  string    `json:"lastName,omitempty"`
	Roles     []string  `json:"roles"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

const (
	tableUsers = "users"

	CmdUserCreate     = "user.create"
	CmdUserUpdate     = "user.update"
	CmdUserDeactivate = "user.deactivate"
	CmdUserActivate   = "user.activate"
	CmdUserDelete     = "user.delete"
)

func userSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableUsers, func() any { return new(User) }, idIndex(),
				stringIndexLower("login", "Login", true)),
		},
		Handlers: map[string]cluster.Handler{
			CmdUserCreate:     applyUserCreate,
			CmdUserUpdate:     applyUserUpdate,
			CmdUserDeactivate: applyUserStatus(UserDeactivated),
			CmdUserActivate:   applyUserStatus(UserActive),
			CmdUserDelete:     applyUserDelete,
		},
	}
}

// UserByID reads a user.
func UserByID(txn Reader, id string) *User { return first[User](txn, tableUsers, "id", id) }

// UserByLogin reads a user by login name (case-insensitive).
func UserByLogin(txn Reader, login string) *User {
	return first[User](txn, tableUsers, "login", strings.ToLower(login))
}

// Users lists all users in ID order.
func Users(txn Reader) []*User { return all[User](txn, tableUsers, "id") }

// UserCreateRequest creates a user with a Personal workspace in the
// default environment and, optionally, a password (its hash).
type UserCreateRequest struct {
	User                User   `json:"user"`
	PersonalWorkspaceID string `json:"personalWorkspaceId"`
	PasswordHash        string `json:"passwordHash,omitempty"`
	// SeatLimit is the license's TMC seats (0: no limit), from the
	// proposer's configuration.
	SeatLimit int `json:"seatLimit"`
}

func validateUser(txn Reader, u *User) error {
	if err := validName("login", u.Login); err != nil {
		return err
	}
	if strings.ContainsAny(u.Login, " /\\") {
		return cluster.Reject(cluster.CodeInvalid, "login %q must not contain spaces or slashes", u.Login)
	}
	if at := strings.Index(u.Email, "@"); at < 1 || at == len(u.Email)-1 || strings.ContainsAny(u.Email, " \r\n\t") {
		return cluster.Reject(cluster.CodeInvalid, "email %q is not an email address", u.Email)
	}
	return checkRoleIDs(txn, u.Roles)
}

func applyUserCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req UserCreateRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	u := req.User
	if !IsUUID(u.ID) {
		return nil, cluster.Reject(cluster.CodeInvalid, "user id must be a UUID")
	}
	if u.Roles == nil {
		u.Roles = []string{}
	}
	if err := validateUser(tx.Reader, &u); err != nil {
		return nil, err
	}
	if UserByLogin(tx.Reader, u.Login) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "a user with login %q already exists", u.Login)
	}
	acct := AccountOf(tx.Reader)
	if acct == nil {
		return nil, cluster.Reject(cluster.CodePrecondition, "the account is not bootstrapped yet")
	}
	u.Status, u.CreatedAt = UserActive, cmd.Meta.Time
	if err := tx.Insert(tableUsers, &u); err != nil {
		return nil, err
	}
	if err := checkSeats(tx.Reader, req.SeatLimit); err != nil {
		return nil, err
	}
	ws := personalWorkspace(req.PersonalWorkspaceID, acct.DefaultEnvironmentID, &u, cmd.Meta.Time)
	if workspaceNamed(tx.Reader, ws.EnvironmentID, ws.Name) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "a workspace named %q already exists", ws.Name)
	}
	if err := tx.Insert(tableWorkspaces, ws); err != nil {
		return nil, err
	}
	if req.PasswordHash != "" {
		if err := tx.Insert(tableCredentials, &Credential{ID: u.ID, PasswordHash: req.PasswordHash, PasswordSetAt: cmd.Meta.Time}); err != nil {
			return nil, err
		}
	}
	return &u, nil
}

// UserUpdate changes a user's details or roles; nil fields stay.
type UserUpdate struct {
	ID        string    `json:"id"`
	Email     *string   `json:"email,omitempty"`
	FirstName *string   `json:"firstName,omitempty"`
	LastName  *string   `json:"lastName,omitempty"`
	Roles     *[]string `json:"roles,omitempty"`
	SeatLimit int       `json:"seatLimit"`
}

func applyUserUpdate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req UserUpdate
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := UserByID(tx.Reader, req.ID)
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "user %s not found", req.ID)
	}
	next := *cur
	for _, f := range []struct {
		dst *string
		src *string
	}{{&next.Email, req.Email}, {&next.FirstName, req.FirstName}, {&next.LastName, req.LastName}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if req.Roles != nil {
		next.Roles = append([]string{}, *req.Roles...)
	}
	if err := validateUser(tx.Reader, &next); err != nil {
		return nil, err
	}
	if err := tx.Insert(tableUsers, &next); err != nil {
		return nil, err
	}
	return &next, checkSeats(tx.Reader, req.SeatLimit)
}

// UserStatusRequest activates or deactivates a user.
type UserStatusRequest struct {
	ID        string `json:"id"`
	SeatLimit int    `json:"seatLimit"`
}

func applyUserStatus(status string) cluster.Handler {
	return func(tx *cluster.Tx, cmd cluster.Command) (any, error) {
		var req UserStatusRequest
		if err := cmd.Decode(&req); err != nil {
			return nil, err
		}
		cur := UserByID(tx.Reader, req.ID)
		if cur == nil {
			return nil, cluster.Reject(cluster.CodeNotFound, "user %s not found", req.ID)
		}
		if status == UserDeactivated && cur.ID == cmd.Meta.ActorID {
			return nil, cluster.Reject(cluster.CodePrecondition, "you cannot deactivate yourself")
		}
		next := *cur
		next.Status = status
		if err := tx.Insert(tableUsers, &next); err != nil {
			return nil, err
		}
		if status == UserDeactivated {
			// Short-lived sessions go at once; personal access tokens
			// stay but stop working while the user is deactivated.
			if err := deleteSessionsOf(tx, KindUser, cur.ID); err != nil {
				return nil, err
			}
			return &next, nil
		}
		return &next, checkSeats(tx.Reader, req.SeatLimit)
	}
}

// applyUserDelete removes a user and what is theirs alone: the Personal
// workspace (engines allocated to it are released by the workspace
// releasers; tasks, plans and artifacts in it must be moved or deleted
// first, as for any workspace, so nothing is left pointing at it), tokens,
// sessions, credentials, workspace permissions and group memberships.
// Custom and Shared workspaces they own are kept.
func applyUserDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	u := UserByID(tx.Reader, req.ID)
	if u == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "user %s not found", req.ID)
	}
	if u.ID == cmd.Meta.ActorID {
		return nil, cluster.Reject(cluster.CodePrecondition, "you cannot delete yourself")
	}
	for _, ws := range all[Workspace](tx.Reader, tableWorkspaces, "owner", u.ID) {
		if ws.Type != WorkspacePersonal {
			continue
		}
		if err := workspaceEmpty(tx.Reader, ws, "user "+u.Login+"'s"); err != nil {
			return nil, err
		}
		if err := releaseWorkspace(tx, ws.ID); err != nil {
			return nil, err
		}
		if err := tx.Delete(tableWorkspaces, ws); err != nil {
			return nil, err
		}
	}
	for _, t := range TokensOf(tx.Reader, u.ID) {
		if err := tx.Delete(tableTokens, t); err != nil {
			return nil, err
		}
	}
	if err := deletePrincipalAccess(tx, KindUser, u.ID); err != nil {
		return nil, err
	}
	if c := CredentialOf(tx.Reader, u.ID); c != nil {
		if err := tx.Delete(tableCredentials, c); err != nil {
			return nil, err
		}
	}
	if err := removeGroupMember(tx, u.ID); err != nil {
		return nil, err
	}
	return nil, tx.Delete(tableUsers, u)
}

// deletePrincipalAccess removes a principal's sessions and workspace
// permissions.
func deletePrincipalAccess(tx *cluster.Tx, kind, id string) error {
	if err := deleteSessionsOf(tx, kind, id); err != nil {
		return err
	}
	for _, p := range WorkspacePermissionsOf(tx.Reader, kind, id) {
		if err := tx.Delete(tableWorkspacePermissions, p); err != nil {
			return err
		}
	}
	return nil
}
