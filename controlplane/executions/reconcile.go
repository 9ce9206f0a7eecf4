package executions

import (
	"context"
	"fmt"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Attempt names one attempt of an execution.
type Attempt struct {
	ExecutionID string
	Attempt     int
}

// EngineAccount is what a reconnecting engine said it holds, checked
// against this node's replica.
type EngineAccount struct {
	// Lost are assignments the engine does not hold and never reported
	// started: they went back to the queue (or were proposed to; the
	// state re-checks). The session must not send them.
	Lost []Attempt
	// Ended are attempts the engine holds that are over here (finished,
	// or superseded by a later attempt): the session stops them, so an
	// engine that was away does not keep running work nobody counts.
	Ended []Attempt
}

// Reconcile takes an engine's own account of what it holds, given at the
// start of a session before anything is sent in it. The replica may lag,
// but never runs ahead: an assignment it shows and the engine lacks was
// given out before this session and could only have reached the engine
// in an earlier one, so the engine's word settles it (the lost command is
// conditional on the same engine, attempt and status); an attempt it
// shows ended cannot come back. Records the replica does not have are
// left alone. An error means nothing may be sent in the session yet.
func (s *Service) Reconcile(ctx context.Context, engineID string, held []Attempt) (EngineAccount, error) {
	has := make(map[Attempt]bool, len(held))
	for _, a := range held {
		has[a] = true
	}
	// A consistent read: a lost command committed in an earlier session
	// (through another node, say) is in the replica before anything is
	// sent in this one, so a re-queued attempt is never sent again. Not
	// even an idle engine may skip it: a replica behind both the
	// assignment and its lost command could later show the assignment
	// alone, for a moment, and the session would send it.
	txn, err := s.store.ConsistentRead(ctx)
	if err != nil {
		return EngineAccount{}, fmt.Errorf("reconcile engine %s: %w", engineID, err)
	}
	var acc EngineAccount
	for _, e := range state.ActiveExecutionsOnEngine(txn, engineID) {
		a := Attempt{ExecutionID: e.ID, Attempt: e.Attempt}
		if e.ExecutionStatus == state.ExecDispatching && !has[a] {
			acc.Lost = append(acc.Lost, a)
		}
	}
	for _, a := range held {
		e, err := state.ExecutionByID(txn, a.ExecutionID)
		if err != nil {
			return EngineAccount{}, fmt.Errorf("reconcile engine %s: %w", engineID, err)
		}
		if e != nil && (!e.Active || e.EngineID != engineID || e.Attempt != a.Attempt) {
			acc.Ended = append(acc.Ended, a)
		}
	}
	var firstErr error
	for _, a := range acc.Lost {
		cmd, err := stateIdempotent(state.CmdExecutionLost, state.ExecutionLostRequest{ID: a.ExecutionID, EngineID: engineID, Attempt: a.Attempt})
		if err == nil {
			_, err = s.store.Apply(ctx, cmd, nil)
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("re-queue execution %s lost by engine %s: %w", a.ExecutionID, engineID, err)
		}
		if err == nil {
			s.cfg.Logger.Info("engine does not hold its assignment; back to the queue", "engine", engineID, "execution", a.ExecutionID, "attempt", a.Attempt)
		}
	}
	return acc, firstErr
}
