package identity

import (
	"context"
	"net/http"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authz"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// usageWriteTimeout bounds the delay recording a use may add to a call.
const usageWriteTimeout = 300 * time.Millisecond

// UsageGate records the last use of personal access tokens and of
// service accounts (their lastUsedDate and lastUsedApi in Talend's service
// account API). It never
// refuses a call, and writes at most once per state.UsageResolution per
// credential; the write carries no actor, so it leaves no audit entry.
func UsageGate(s api.Store) api.Gate {
	return func(r *http.Request, p *authz.Principal) error {
		now := time.Now().UTC()
		txn := s.Read()
		req := state.CredentialUsedRequest{}
		if t := state.TokenByID(txn, p.TokenID); t != nil && state.UsageStale(t.LastUsedAt, now) {
			req.TokenID = t.ID
		}
		if p.Kind == state.KindServiceAccount {
			if sa := state.ServiceAccountByID(txn, p.ID); sa != nil && state.UsageStale(sa.LastUsedDate, now) {
				req.ServiceAccountID, req.API = sa.ID, r.Method+" "+r.URL.Path
			}
		}
		if req.TokenID == "" && req.ServiceAccountID == "" {
			return nil
		}
		cmd, err := cluster.NewCommand(state.CmdCredentialUsed, cluster.Meta{Time: now, RequestID: api.RequestID(r.Context())}, req)
		if err != nil {
			return nil
		}
		// A usage date is not worth failing or stalling the call for (a
		// node cut off from the leader still serves reads): the write gets
		// a short deadline and its outcome is ignored.
		ctx, cancel := context.WithTimeout(r.Context(), usageWriteTimeout)
		defer cancel()
		_, _ = s.Apply(ctx, cmd, nil)
		return nil
	}
}
