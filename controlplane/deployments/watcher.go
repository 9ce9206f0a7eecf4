package deployments

import (
	"context"
	"log/slog"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Watcher is the leader's deployment watcher: it moves every rollout in
// progress on, and ends the drains whose shutdown delay is over. What it
// decides goes through raft, so a new leader resumes from the records.
type Watcher struct {
	Store  api.Store
	Logger *slog.Logger
	// Rescan bounds the wait between two looks when nothing changes
	// (default 1 s); decisions also wake on every record change and at
	// the exact time a health gate, drain or deadline falls due.
	Rescan time.Duration
	// NewID makes deployment IDs (default state.NewObjectID).
	NewID func() string
}

// Loop runs until ctx ends (leadership lost).
func (w Watcher) Loop(ctx context.Context) {
	if w.Rescan <= 0 {
		w.Rescan = time.Second
	}
	if w.NewID == nil {
		w.NewID = state.NewObjectID
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	for ctx.Err() == nil {
		txn := w.Store.Read()
		rollouts, rolloutsChanged := state.WatchActiveRollouts(txn)
		records, recordsChanged := state.WatchDeployments(txn)
		now := time.Now()
		wake := now.Add(w.Rescan)
		for _, r := range rollouts {
			d := Decide(ViewOf(txn, r, now), w.NewID)
			if len(d.Actions) > 0 {
				w.step(ctx, r, d.Actions)
			} else if !d.WakeAt.IsZero() && d.WakeAt.Before(wake) {
				wake = d.WakeAt
			}
		}
		for _, rec := range records {
			if !rec.Draining() {
				continue
			}
			if !now.Before(rec.DrainUntil) {
				w.propose(ctx, state.CmdDeploymentRelease, state.DeploymentReleaseRequest{DeploymentID: rec.DeploymentID})
			} else if rec.DrainUntil.Before(wake) {
				wake = rec.DrainUntil
			}
		}
		t := time.NewTimer(time.Until(wake))
		select {
		case <-ctx.Done():
		case <-rolloutsChanged:
		case <-recordsChanged:
		case <-t.C:
		}
		t.Stop()
	}
}

// step applies a decision; one the state refuses (the artifact version
// was deleted, ...) fails the rollout instead of being retried forever.
func (w Watcher) step(ctx context.Context, r *state.Rollout, actions []state.RolloutAction) {
	err := w.propose(ctx, state.CmdRolloutStep, state.RolloutStepRequest{RolloutID: r.ID, Revision: r.Revision, Actions: actions})
	if rej, ok := cluster.AsRejection(err); ok {
		w.propose(ctx, state.CmdRolloutStep, state.RolloutStepRequest{RolloutID: r.ID, Revision: r.Revision,
			Actions: []state.RolloutAction{{Kind: state.ActionFail, Reason: rej.Message}}})
	}
}

func (w Watcher) propose(ctx context.Context, typ string, payload any) error {
	cmd, err := cluster.NewCommand(typ, cluster.Meta{Time: time.Now()}, payload)
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = w.Store.Apply(pctx, cmd, nil)
		cancel()
	}
	if _, rejected := cluster.AsRejection(err); rejected {
		return err
	}
	if err != nil && ctx.Err() == nil {
		w.Logger.Warn("deployment watcher write failed; retrying", "command", typ, "err", err)
		sleep(ctx, 100*time.Millisecond) // no hot loop while raft has no quorum
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// ViewOf reads what Decide needs about a rollout from the state.
func ViewOf(txn state.Reader, r *state.Rollout, now time.Time) RolloutView {
	v := RolloutView{Now: now, Rollout: r, Records: map[string]*state.Deployment{}, Engines: map[string]EngineView{}}
	for _, d := range state.DeploymentsOfTask(txn, r.TaskID) {
		v.Records[d.EngineID] = d
	}
	t := state.TaskByID(txn, r.TaskID)
	for _, id := range r.PhaseEngines() {
		e := state.EngineByID(txn, id)
		if e == nil {
			v.Engines[id] = EngineView{}
			continue
		}
		v.Engines[id] = EngineView{Name: e.Name, Member: memberOf(t, e), Available: e.Availability == state.EngineAvailable}
	}
	return v
}

// memberOf: the engine is still where the task's run config deploys.
func memberOf(t *state.Task, e *state.Engine) bool {
	if t == nil || t.RunConfig == nil {
		return false
	}
	rt := t.RunConfig.Runtime
	if rt.Type == state.RuntimeEngine {
		return rt.ID == e.ID
	}
	return e.ClusterID == rt.ID
}
