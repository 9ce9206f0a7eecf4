package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Session is a short-lived bearer token issued by POST
// /security/oauth/token: to a service account (client credentials) or to
// a user (password). Only the SHA-256 of the secret is stored. It acts
// with its principal's current permissions, like a personal access token.
type Session struct {
	ID            string    `json:"id"`
	Hash          string    `json:"hash"`
	PrincipalKind string    `json:"principalKind"`
	PrincipalID   string    `json:"principalId"`
	CreatedAt     time.Time `json:"createdAt"`
	ExpiresAt     time.Time `json:"expiresAt"`
}

const (
	tableSessions = "sessions"

	CmdSessionIssue = "session.issue"
	CmdSessionPrune = "session.prune"
)

func sessionSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableSessions, func() any { return new(Session) }, idIndex(),
				stringIndex("hash", "Hash", true),
				compoundIndex("principal", false, "PrincipalKind", "PrincipalID")),
		},
		Handlers: map[string]cluster.Handler{
			CmdSessionIssue: applySessionIssue,
			CmdSessionPrune: applySessionPrune,
		},
	}
}

// SessionByHash finds a session by the SHA-256 of its secret.
func SessionByHash(txn Reader, hash string) *Session {
	return first[Session](txn, tableSessions, "hash", hash)
}

// SessionIssueRequest issues a session valid for TTL from the command's
// time.
type SessionIssueRequest struct {
	Session Session       `json:"session"`
	TTL     time.Duration `json:"ttl"`
}

func applySessionIssue(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req SessionIssueRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	s := req.Session
	if s.ID == "" || s.Hash == "" || req.TTL <= 0 {
		return nil, cluster.Reject(cluster.CodeInvalid, "session id, hash and ttl are required")
	}
	switch s.PrincipalKind {
	case KindUser:
		u := UserByID(tx.Reader, s.PrincipalID)
		if u == nil || u.Status != UserActive {
			return nil, cluster.Reject(cluster.CodeForbidden, "the user is deactivated or deleted")
		}
		if err := resetFailures(tx, u.ID); err != nil {
			return nil, err
		}
	case KindServiceAccount:
		if ServiceAccountByID(tx.Reader, s.PrincipalID) == nil {
			return nil, cluster.Reject(cluster.CodeForbidden, "the service account was deleted")
		}
	default:
		return nil, cluster.Reject(cluster.CodeInvalid, "unknown principal kind %q", s.PrincipalKind)
	}
	s.CreatedAt, s.ExpiresAt = cmd.Meta.Time, cmd.Meta.Time.Add(req.TTL)
	return &s, tx.Insert(tableSessions, &s)
}

// SessionPruneRequest deletes sessions expired before Before, at most Max.
type SessionPruneRequest struct {
	Before time.Time `json:"before"`
	Max    int       `json:"max"`
}

func applySessionPrune(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req SessionPruneRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	n := 0
	for _, s := range all[Session](tx.Reader, tableSessions, "id") {
		if n >= req.Max {
			break
		}
		if s.ExpiresAt.Before(req.Before) {
			if err := tx.Delete(tableSessions, s); err != nil {
				return nil, err
			}
			n++
		}
	}
	return n, nil
}

func deleteSessionsOf(tx *cluster.Tx, kind, id string) error {
	for _, s := range all[Session](tx.Reader, tableSessions, "principal", kind, id) {
		if err := tx.Delete(tableSessions, s); err != nil {
			return err
		}
	}
	return nil
}
