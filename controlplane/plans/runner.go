package plans

import (
	"context"
	"log/slog"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Runner is the leader-only plan runner.
type Runner struct {
	Store api.Store
	// Rescan bounds one wait, as a safety net behind the memdb watches.
	// Default 5 s.
	Rescan time.Duration
	Logger *slog.Logger
}

// Loop proposes an advance for every plan execution whose current step's
// executions changed, until ctx ends (leadership lost).
func (r Runner) Loop(ctx context.Context) {
	if r.Rescan <= 0 {
		r.Rescan = 5 * time.Second
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	for {
		txn := r.Store.Read()
		runs, planCh := state.WatchActivePlanExecutions(txn)
		_, execCh := state.WatchActiveExecutions(txn)
		for _, pe := range runs {
			needs, err := state.PlanNeedsAdvance(txn, pe)
			if err != nil {
				r.Logger.Error("read plan execution", "execution", pe.ID, "err", err)
				continue
			}
			if !needs {
				continue
			}
			cmd, err := cluster.NewCommand(state.CmdPlanExecutionAdvance, cluster.Meta{}, state.IDRequest{ID: pe.ID})
			if err == nil {
				_, err = r.Store.Apply(ctx, cmd, nil)
			}
			if err != nil && ctx.Err() == nil {
				r.Logger.Warn("advance plan execution", "execution", pe.ID, "err", err)
			}
		}
		timer := time.NewTimer(r.Rescan)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-planCh:
		case <-execCh:
		case <-timer.C:
		}
		timer.Stop()
	}
}
