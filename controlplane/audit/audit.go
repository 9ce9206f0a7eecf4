package audit

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Register adds GET /account/audit-logs?after=SEQ&limit=N.
func Register(rt *api.Router, s api.Store) {
	rt.Handle("GET", "/account/audit-logs", func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		q := r.URL.Query()
		after, limit := uint64(0), 100
		var err error
		if v := q.Get("after"); v != "" {
			if after, err = strconv.ParseUint(v, 10, 64); err != nil {
				return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "after must be a sequence number")
			}
		}
		if v := q.Get("limit"); v != "" {
			if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
				return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "limit must be 1-1000")
			}
		}
		txn, err := api.Reader(r, s)
		if err != nil {
			return err
		}
		out, err := state.AuditEntries(txn, after, limit)
		if err != nil {
			return err
		}
		if out == nil {
			out = []*state.AuditEntry{}
		}
		api.WriteJSON(w, http.StatusOK, out)
		return nil
	})
}

// Retention keeps audit entries for Keep, pruning every Every.
type Retention struct {
	Keep   time.Duration
	Every  time.Duration
	Store  api.Store
	Logger *slog.Logger
}

// Loop is a cluster.LeaderLoop pruning old entries in bounded batches.
func (rt Retention) Loop(ctx context.Context) {
	t := time.NewTicker(rt.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			req := state.AuditPruneRequest{Before: time.Now().Add(-rt.Keep), Max: 1000}
			cmd, err := cluster.NewCommand(state.CmdAuditPrune, cluster.Meta{}, req)
			if err == nil {
				_, err = rt.Store.Apply(ctx, cmd, nil)
			}
			if err != nil && ctx.Err() == nil {
				rt.Logger.Warn("audit retention", "err", err)
			}
		}
	}
}
