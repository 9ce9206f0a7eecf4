package enginelink

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// Reconciler is implemented by a Work that acts on an engine's own
// account of what it holds (WorkOpen.Known), before the session sends it
// anything.
type Reconciler interface {
	// Reconcile returns the assignments the engine lost (put back in the
	// queue: never to be sent in this session) and the attempts it holds
	// that ended on the control plane (to stop). An error ends the work
	// stream: the agent opens another.
	Reconcile(ctx context.Context, engineID string, known []protocol.ExecutionRef) (lost, ended []protocol.ExecutionRef, err error)
}

// reconcile applies the engine's account, if it gave one (agents before
// WorkOpen.Known give none), and returns the assignment keys not to send.
func (s *Server) reconcile(ctx context.Context, engineID string, open *protocol.WorkOpen, w *workStream) (map[string]bool, error) {
	r, ok := s.work.(Reconciler)
	if !ok || open == nil || open.Known == nil {
		return nil, nil
	}
	lost, ended, err := s.reconcileUntilDone(ctx, r, engineID, open.Known)
	if err != nil {
		return nil, err
	}
	skip := make(map[string]bool, len(lost))
	for _, a := range lost {
		skip[a.ExecutionID+"/"+strconv.Itoa(a.Attempt)] = true
	}
	for _, a := range ended {
		if err := w.send(&protocol.StopExecution{ExecutionID: a.ExecutionID, Attempt: a.Attempt, Reason: "ended by the control plane"}); err != nil {
			return nil, err
		}
	}
	return skip, nil
}

// reconcileUntilDone retries Reconcile until it succeeds or the session
// ends. It fails while no leader is reachable (an election after the node
// that held the session was killed, a whole-cluster restart): the engine
// then waits for its first assignment, its session stays up. Each attempt
// is idempotent (a consistent read, then idempotent commands).
func (s *Server) reconcileUntilDone(ctx context.Context, r Reconciler, engineID string, known []protocol.ExecutionRef) (lost, ended []protocol.ExecutionRef, err error) {
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		lost, ended, err = r.Reconcile(rctx, engineID, known)
		cancel()
		if err == nil {
			return lost, ended, nil
		}
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("reconcile engine %s: %w", engineID, err)
		}
		s.cfg.Logger.Warn("reconciling the engine's work failed; retrying before sending it any",
			"engine", engineID, "attempt", attempt, "err", err)
		if !sleepCtx(ctx, delay) {
			return nil, nil, fmt.Errorf("reconcile engine %s: %w", engineID, ctx.Err())
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// logAck acknowledges a stored batch up to its highest numbered line;
// nil when no line is numbered (agents before LogLine.Seq).
func logAck(b *protocol.LogBatch) *protocol.LogAck {
	var top uint64
	for _, l := range b.Lines {
		top = max(top, l.Seq)
	}
	if top == 0 {
		return nil
	}
	return &protocol.LogAck{ExecutionID: b.ExecutionID, Attempt: b.Attempt, Seq: top}
}
