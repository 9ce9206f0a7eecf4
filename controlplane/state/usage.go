package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// UsageResolution is how precise "last used" dates are: a credential's
// use is written through Raft at most this often, so API calls do not
// turn into writes.
const UsageResolution = time.Minute

// CmdCredentialUsed records that a personal access token or a service
// account's token was used.
const CmdCredentialUsed = "credential.used"

// CredentialUsedRequest names the token and/or service account used, and
// the API called ("GET /path").
type CredentialUsedRequest struct {
	TokenID          string `json:"tokenId,omitempty"`
	ServiceAccountID string `json:"serviceAccountId,omitempty"`
	API              string `json:"api,omitempty"`
}

func usageSpec() cluster.Spec {
	return cluster.Spec{Handlers: map[string]cluster.Handler{CmdCredentialUsed: applyCredentialUsed}}
}

// UsageStale reports whether a use at now should be recorded over last.
func UsageStale(last, now time.Time) bool { return now.Sub(last) >= UsageResolution }

func applyCredentialUsed(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req CredentialUsedRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	now := cmd.Meta.Time
	if t := TokenByID(tx.Reader, req.TokenID); t != nil && UsageStale(t.LastUsedAt, now) {
		next := *t
		next.LastUsedAt = now
		if err := tx.Insert(tableTokens, &next); err != nil {
			return nil, err
		}
	}
	if sa := ServiceAccountByID(tx.Reader, req.ServiceAccountID); sa != nil && UsageStale(sa.LastUsedDate, now) {
		next := *sa
		next.LastUsedDate, next.LastUsedAPI = now, req.API
		if err := tx.Insert(tableServiceAccounts, &next); err != nil {
			return nil, err
		}
	}
	return nil, nil
}
