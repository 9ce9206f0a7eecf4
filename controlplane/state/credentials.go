package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Credential is a user's password (an argon2id hash, never the password)
// and the lock-out counters of the password policy. It is kept apart
// from User so that user rows can be shown as they are.
type Credential struct {
	ID             string    `json:"id"` // the user's ID
	PasswordHash   string    `json:"passwordHash"`
	PasswordSetAt  time.Time `json:"passwordSetAt"`
	FailedAttempts int       `json:"failedAttempts"`
	LockedUntil    time.Time `json:"lockedUntil"`
}

// PasswordPolicy is the account's password policy. Each
// toggle keeps its values while off.
type PasswordPolicy struct {
	ID                     string `json:"id"`
	LockoutEnabled         bool   `json:"lockoutEnabled"`
	MaxFailedAttempts      int    `json:"maxFailedAttempts"`
	LockoutDurationSeconds int    `json:"lockoutDurationSeconds"`
	ExpirationEnabled      bool   `json:"expirationEnabled"`
	ExpirationIntervalDays int    `json:"expirationIntervalDays"`
	// ExpiredBefore: passwords set before it are expired. Turning
	// expiration on sets it, which makes every password expire at once.
	ExpiredBefore time.Time `json:"expiredBefore,omitzero"`
}

// DefaultPasswordPolicy is the policy until an administrator sets one:
// the example values of Talend's password policy help page, lock-out on,
// expiration off.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{ID: policyRowID, LockoutEnabled: true, MaxFailedAttempts: 5,
		LockoutDurationSeconds: 60, ExpirationIntervalDays: 90}
}

// Expired reports whether a password set at setAt is expired at now.
func (p PasswordPolicy) Expired(setAt, now time.Time) bool {
	if !p.ExpirationEnabled {
		return false
	}
	return setAt.Before(p.ExpiredBefore) || now.After(setAt.Add(time.Duration(p.ExpirationIntervalDays)*24*time.Hour))
}

const (
	tableCredentials    = "credentials"
	tablePasswordPolicy = "password_policy"
	policyRowID         = "policy"

	CmdPasswordSet       = "password.set"
	CmdLoginFailed       = "login.failed"
	CmdPasswordPolicySet = "password_policy.set"
)

func credentialSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableCredentials, func() any { return new(Credential) }, idIndex()),
			table(tablePasswordPolicy, func() any { return new(PasswordPolicy) }, idIndex()),
			loginFailureTable(),
		},
		Handlers: map[string]cluster.Handler{
			CmdPasswordSet:       applyPasswordSet,
			CmdLoginFailed:       applyLoginFailed,
			CmdPasswordPolicySet: applyPasswordPolicySet,
		},
	}
}

// CredentialOf reads a user's credential, nil when they have no password.
func CredentialOf(txn Reader, userID string) *Credential {
	return first[Credential](txn, tableCredentials, "id", userID)
}

// PasswordPolicyOf returns the account's policy (the default if unset).
func PasswordPolicyOf(txn Reader) PasswordPolicy {
	if p := first[PasswordPolicy](txn, tablePasswordPolicy, "id", policyRowID); p != nil {
		return *p
	}
	return DefaultPasswordPolicy()
}

// PasswordSetRequest stores a new password hash for a user and clears
// any lock-out.
type PasswordSetRequest struct {
	UserID string `json:"id"`
	Hash   string `json:"hash"`
}

func applyPasswordSet(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req PasswordSetRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if UserByID(tx.Reader, req.UserID) == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "user %s not found", req.UserID)
	}
	if req.Hash == "" {
		return nil, cluster.Reject(cluster.CodeInvalid, "password hash is required")
	}
	return nil, tx.Insert(tableCredentials, &Credential{ID: req.UserID, PasswordHash: req.Hash, PasswordSetAt: cmd.Meta.Time})
}

// LoginFailedRequest counts one failed password check: of the user's
// credential when the user has a password, else under LoginKey.
type LoginFailedRequest struct {
	UserID   string `json:"id,omitempty"`
	LoginKey string `json:"loginKey,omitempty"`
}

// LoginFailedResult says whether this failure locked the account.
type LoginFailedResult struct {
	LockedUntil time.Time `json:"lockedUntil,omitzero"`
}

func applyLoginFailed(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req LoginFailedRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	now := cmd.Meta.Time
	cur := CredentialOf(tx.Reader, req.UserID)
	if cur == nil && req.LoginKey != "" {
		return failLoginWithoutPassword(tx, req.LoginKey, now)
	}
	if cur == nil {
		return &LoginFailedResult{}, nil
	}
	if now.Before(cur.LockedUntil) {
		return &LoginFailedResult{LockedUntil: cur.LockedUntil}, nil
	}
	next := *cur
	next.FailedAttempts, next.LockedUntil = countFailure(PasswordPolicyOf(tx.Reader), next.FailedAttempts, now)
	return &LoginFailedResult{LockedUntil: next.LockedUntil}, tx.Insert(tableCredentials, &next)
}

// resetFailures clears the failure counter after a successful login.
func resetFailures(tx *cluster.Tx, userID string) error {
	cur := CredentialOf(tx.Reader, userID)
	if cur == nil || cur.FailedAttempts == 0 {
		return nil
	}
	next := *cur
	next.FailedAttempts = 0
	return tx.Insert(tableCredentials, &next)
}

func applyPasswordPolicySet(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var p PasswordPolicy
	if err := cmd.Decode(&p); err != nil {
		return nil, err
	}
	switch {
	case p.MaxFailedAttempts < 1 || p.MaxFailedAttempts > 100:
		return nil, cluster.Reject(cluster.CodeInvalid, "maxFailedAttempts must be between 1 and 100")
	case p.LockoutDurationSeconds < 1 || p.LockoutDurationSeconds > 86400:
		return nil, cluster.Reject(cluster.CodeInvalid, "lockoutDurationSeconds must be between 1 and 86400")
	case p.ExpirationIntervalDays < 1 || p.ExpirationIntervalDays > 3650:
		return nil, cluster.Reject(cluster.CodeInvalid, "expirationIntervalDays must be between 1 and 3650")
	}
	prev := PasswordPolicyOf(tx.Reader)
	p.ID, p.ExpiredBefore = policyRowID, prev.ExpiredBefore
	if p.ExpirationEnabled && !prev.ExpirationEnabled {
		p.ExpiredBefore = cmd.Meta.Time
	}
	return &p, tx.Insert(tablePasswordPolicy, &p)
}
