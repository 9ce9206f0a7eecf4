package identity

import (
	"context"
	"log/slog"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// SessionPruner deletes expired tokens of /security/oauth/token. Expired
// ones already fail authentication; this only keeps the state small.
type SessionPruner struct {
	Every  time.Duration
	Store  api.Store
	Logger *slog.Logger
}

// Loop is a cluster.LeaderLoop pruning in bounded batches.
func (p SessionPruner) Loop(ctx context.Context) {
	t := time.NewTicker(p.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			req := state.SessionPruneRequest{Before: time.Now(), Max: 1000}
			cmd, err := cluster.NewCommand(state.CmdSessionPrune, cluster.Meta{}, req)
			if err == nil {
				_, err = p.Store.Apply(ctx, cmd, nil)
			}
			if err != nil && ctx.Err() == nil {
				p.Logger.Warn("prune expired access tokens", "err", err)
			}
		}
	}
}
