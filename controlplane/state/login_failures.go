package state

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
)

// LoginFailure counts the failed logins naming a login that has no
// password (no such user, or one without a password), so such logins lock
// out exactly as an account does and an attacker cannot tell them apart.
// The login itself is not kept, only its hash: people type passwords into
// the login field.
type LoginFailure struct {
	ID             string    `json:"id"` // LoginKey of the login
	FailedAttempts int       `json:"failedAttempts"`
	LockedUntil    time.Time `json:"lockedUntil"`
	// LastFailed is the time of the last failure in Unix seconds; rows
	// idle for loginFailureKeep are dropped.
	LastFailed int64 `json:"lastFailed"`
}

const (
	tableLoginFailures = "login_failures"
	// loginFailureKeep is how long a failure counter of a login without a
	// password is kept after its last failure.
	loginFailureKeep = 24 * time.Hour
	// loginFailurePrune bounds the rows one failure removes.
	loginFailurePrune = 64
)

func loginFailureTable() cluster.Table {
	return table(tableLoginFailures, func() any { return new(LoginFailure) }, idIndex(),
		&memdb.IndexSchema{Name: "last", Indexer: &memdb.IntFieldIndex{Field: "LastFailed"}})
}

// LoginKey is the key failures of a login are counted under: the hex
// SHA-256 of the lower-case login (logins are case-insensitive).
func LoginKey(login string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(login)))
	return hex.EncodeToString(sum[:])
}

// LoginFailureOf reads the failure counter of a login without a password.
func LoginFailureOf(txn Reader, key string) *LoginFailure {
	return first[LoginFailure](txn, tableLoginFailures, "id", key)
}

// countFailure applies the password policy to one more failure: the new
// count and lock-out end.
func countFailure(pol PasswordPolicy, attempts int, now time.Time) (int, time.Time) {
	attempts++
	if pol.LockoutEnabled && attempts >= pol.MaxFailedAttempts {
		return 0, now.Add(time.Duration(pol.LockoutDurationSeconds) * time.Second)
	}
	return attempts, time.Time{}
}

// failLoginWithoutPassword counts a failure of a login without a password
// the way applyLoginFailed counts an account's.
func failLoginWithoutPassword(tx *cluster.Tx, key string, now time.Time) (any, error) {
	if err := pruneLoginFailures(tx, now); err != nil {
		return nil, err
	}
	next := LoginFailure{ID: key}
	if cur := LoginFailureOf(tx.Reader, key); cur != nil {
		if now.Before(cur.LockedUntil) {
			return &LoginFailedResult{LockedUntil: cur.LockedUntil}, nil
		}
		next = *cur
	}
	next.LastFailed = now.Unix()
	next.FailedAttempts, next.LockedUntil = countFailure(PasswordPolicyOf(tx.Reader), next.FailedAttempts, now)
	return &LoginFailedResult{LockedUntil: next.LockedUntil}, tx.Insert(tableLoginFailures, &next)
}

// pruneLoginFailures drops the oldest counters idle for loginFailureKeep.
func pruneLoginFailures(tx *cluster.Tx, now time.Time) error {
	it, err := tx.LowerBound(tableLoginFailures, "last", int64(0))
	if err != nil {
		return err
	}
	cutoff := now.Add(-loginFailureKeep).Unix()
	var old []*LoginFailure
	for raw := it.Next(); raw != nil && len(old) < loginFailurePrune; raw = it.Next() {
		f := raw.(*LoginFailure)
		if f.LastFailed >= cutoff {
			break
		}
		old = append(old, f)
	}
	for _, f := range old {
		if err := tx.Delete(tableLoginFailures, f); err != nil {
			return err
		}
	}
	return nil
}
