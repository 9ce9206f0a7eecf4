package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// MaxTokensPerUser is Talend's limit of active personal access tokens.
const MaxTokensPerUser = 5

// AccessToken is a personal access token. Only the SHA-256 of its secret
// is stored; the secret is shown once, at creation. It has no permissions
// of its own: it acts with its owner's current roles.
type AccessToken struct {
	ID        string    `json:"id"`
	UserID    string    `json:"userId"`
	Name      string    `json:"name"`
	Hash      string    `json:"hash"`
	CreatedAt time.Time `json:"createdAt"`
	// LastUsedAt is recorded at most once per UsageResolution.
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
}

const (
	tableTokens = "access_tokens"

	CmdTokenCreate = "token.create"
	CmdTokenRevoke = "token.revoke"
)

func tokenSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableTokens, func() any { return new(AccessToken) }, idIndex(),
				stringIndex("hash", "Hash", true), stringIndex("user", "UserID", false)),
		},
		Handlers: map[string]cluster.Handler{
			CmdTokenCreate: applyTokenCreate,
			CmdTokenRevoke: applyTokenRevoke,
			CmdTokenRename: applyTokenRename,
		},
	}
}

// TokenByHash finds a token by the SHA-256 of its secret.
func TokenByHash(txn Reader, hash string) *AccessToken {
	return first[AccessToken](txn, tableTokens, "hash", hash)
}

// TokenByID reads a token.
func TokenByID(txn Reader, id string) *AccessToken {
	return first[AccessToken](txn, tableTokens, "id", id)
}

// TokensOf lists a user's tokens.
func TokensOf(txn Reader, userID string) []*AccessToken {
	return all[AccessToken](txn, tableTokens, "user", userID)
}

// AllTokens lists every user's tokens (the admin view).
func AllTokens(txn Reader) []*AccessToken { return all[AccessToken](txn, tableTokens, "id") }

func applyTokenCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var t AccessToken
	if err := cmd.Decode(&t); err != nil {
		return nil, err
	}
	if err := validName("token name", t.Name); err != nil {
		return nil, err
	}
	if t.ID == "" || t.Hash == "" {
		return nil, cluster.Reject(cluster.CodeInvalid, "token id and hash are required")
	}
	u := UserByID(tx.Reader, t.UserID)
	if u == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "user %s not found", t.UserID)
	}
	if n := len(TokensOf(tx.Reader, t.UserID)); n >= MaxTokensPerUser {
		return nil, cluster.Reject(cluster.CodePrecondition,
			"user %s already has %d access tokens, the maximum; revoke one first", u.Login, n)
	}
	t.CreatedAt = cmd.Meta.Time
	return &t, tx.Insert(tableTokens, &t)
}

// TokenRevokeRequest names a token to revoke.
type TokenRevokeRequest struct {
	ID string `json:"id"`
}

func applyTokenRevoke(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req TokenRevokeRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	t := TokenByID(tx.Reader, req.ID)
	if t == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "access token %s not found", req.ID)
	}
	return nil, tx.Delete(tableTokens, t)
}

// CmdTokenRename renames a token: after creation a token can only be
// renamed or deleted.
const CmdTokenRename = "token.rename"

// TokenRenameRequest renames a token.
type TokenRenameRequest struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func applyTokenRename(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req TokenRenameRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if err := validName("token name", req.Name); err != nil {
		return nil, err
	}
	t := TokenByID(tx.Reader, req.ID)
	if t == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "access token %s not found", req.ID)
	}
	next := *t
	next.Name = req.Name
	return &next, tx.Insert(tableTokens, &next)
}
