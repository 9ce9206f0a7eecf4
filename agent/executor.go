package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

// startingGrace is how long a started job may run before the agent
// reports STARTING_FLOW_EXECUTION.
const startingGrace = 20 * time.Millisecond

// executor runs the executions assigned to this engine. It outlives
// sessions: work keeps running while the agent reconnects, and every
// final status is kept (in the runtime's state dir, or here for one that
// never ran) and sent again at each session start until acknowledged, so
// an engine that was away reports what it ran, once.
type executor struct {
	sup    *runtime.Supervisor
	cache  artifact.Cache
	ledger *ledger
	log    *slog.Logger
	logs   *logShipper

	ctx context.Context // the agent's run: work outlives sessions
	wg  sync.WaitGroup

	mu       sync.Mutex
	link     *workLink
	linkUp   chan struct{}                        // closed when a link attaches
	accepted map[string]time.Time                 // workload IDs taken in this process -> when acknowledged (zero: not yet)
	taken    map[string]attemptRef                // workload IDs taken and not yet acknowledged as finished (WorkOpen.Known)
	stops    map[string]bool                      // stop asked before the job started
	pending  map[string]*protocol.ExecutionStatus // final statuses not yet acknowledged
	acks     int                                  // acknowledgements seen, paces forgetAcked
	fetching map[string]*sync.Mutex               // one download per digest
}

func newExecutor(ctx context.Context, sup *runtime.Supervisor, cache artifact.Cache, l *ledger, log *slog.Logger) *executor {
	x := &executor{sup: sup, cache: cache, ledger: l, log: log, ctx: ctx, linkUp: make(chan struct{}),
		accepted: map[string]time.Time{}, taken: map[string]attemptRef{}, stops: map[string]bool{}, pending: map[string]*protocol.ExecutionStatus{},
		fetching: map[string]*sync.Mutex{}}
	x.logs = newLogShipper(x.currentLink, l.get)
	return x
}

// resume picks up what an earlier agent left in the runtime: finished
// jobs are reported, running ones watched. Ledger entries without a
// workload never started (the runtime records a workload before its
// process exists): they are dropped, so WorkOpen does not claim them and
// the control plane gives them to an engine again.
func (x *executor) resume() {
	inRuntime := map[string]bool{}
	for _, info := range x.sup.List() {
		inRuntime[info.ID] = true
		ref, ok := x.ledger.get(info.ID)
		if !ok || info.Kind != runtime.KindJob {
			continue
		}
		execID, attempt := ref.ExecutionID, ref.Attempt
		x.mu.Lock()
		x.accepted[info.ID] = time.Time{}
		x.taken[info.ID] = ref
		x.mu.Unlock()
		h, err := x.sup.Get(info.ID)
		if err != nil {
			continue
		}
		x.log.Info("resuming execution left by an earlier agent", "execution", execID, "attempt", attempt, "state", info.State)
		x.wg.Go(func() { x.await(execID, attempt, h) })
	}
	for _, ref := range x.ledger.all() {
		if wid := workloadID(ref.ExecutionID, ref.Attempt); !inRuntime[wid] {
			x.log.Info("an earlier agent took an execution but never started it", "execution", ref.ExecutionID, "attempt", ref.Attempt)
			x.ledger.remove(wid)
		}
	}
}

func (x *executor) running() int {
	n := 0
	for _, info := range x.sup.List() {
		if info.State != runtime.StateExited {
			n++
		}
	}
	return n
}

// attach makes link the current work stream and resends every
// unacknowledged final status on it.
func (x *executor) attach(link *workLink) {
	x.mu.Lock()
	x.link = link
	close(x.linkUp)
	var resend []*protocol.ExecutionStatus
	for _, st := range x.pending {
		resend = append(resend, st)
	}
	x.mu.Unlock()
	x.logs.rewind() // what the last session sent may not have arrived
	x.logs.flushAll()
	for _, st := range resend {
		_ = link.send(st)
	}
}

func (x *executor) detach(link *workLink) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.link == link {
		x.link = nil
		x.linkUp = make(chan struct{})
	}
}

func (x *executor) currentLink() *workLink {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.link
}

// waitLink returns the current link, waiting for one up to ctx.
func (x *executor) waitLink(ctx context.Context) (*workLink, error) {
	for {
		x.mu.Lock()
		link, up := x.link, x.linkUp
		x.mu.Unlock()
		if link != nil {
			return link, nil
		}
		select {
		case <-up:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// start takes an assignment. A repeat (the server sends each waiting
// execution once per session) starts nothing: a finished one's status is
// sent again.
func (x *executor) start(m *protocol.StartExecution) {
	id := workloadID(m.ExecutionID, m.Attempt)
	x.mu.Lock()
	if _, taken := x.accepted[id]; taken {
		st := x.pending[id]
		link := x.link
		x.mu.Unlock()
		if st != nil && link != nil {
			_ = link.send(st)
		}
		return
	}
	x.accepted[id] = time.Time{}
	x.taken[id] = attemptRef{ExecutionID: m.ExecutionID, Attempt: m.Attempt}
	x.mu.Unlock()
	x.wg.Go(func() { x.run(m) })
}

// run prepares and starts one job, then waits for its end.
func (x *executor) run(m *protocol.StartExecution) {
	id := workloadID(m.ExecutionID, m.Attempt)
	final := func(status, msg string) {
		x.finish(&protocol.ExecutionStatus{ExecutionID: m.ExecutionID, Attempt: m.Attempt, Status: status, Message: msg})
	}
	dir, man, err := x.artifact(m.Artifact)
	if err != nil {
		x.log.Warn("artifact unavailable", "execution", m.ExecutionID, "digest", m.Artifact.Digest, "err", err)
		final(protocol.ExecDeployFailed, "artifact "+m.Artifact.Name+" "+m.Artifact.Version+" could not be deployed: "+err.Error())
		return
	}
	if x.stopRequested(id) {
		final(protocol.ExecTerminated, "stopped before it started")
		return
	}
	if err := x.ledger.add(m.ExecutionID, m.Attempt); err != nil {
		final(protocol.ExecFailed, "the engine could not record the job: "+err.Error())
		return
	}
	spec := jobSpec(id, m, dir, man)
	h, err := x.sup.StartJob(x.ctx, spec)
	if err != nil {
		if x.ctx.Err() != nil {
			return // the agent stops: the execution waits for the next one
		}
		final(protocol.ExecFailed, "the job could not start: "+err.Error())
		return
	}
	// A job done within startingGrace goes straight to its final status:
	// one replicated write fewer for the many short jobs.
	t := time.NewTimer(startingGrace)
	select {
	case <-h.Done():
	case <-t.C:
		x.send(&protocol.ExecutionStatus{ExecutionID: m.ExecutionID, Attempt: m.Attempt, Status: protocol.ExecStarting})
	}
	t.Stop()
	if x.stopRequested(id) {
		go func() { _, _ = x.sup.Stop(x.ctx, id) }()
	}
	x.await(m.ExecutionID, m.Attempt, h)
}

func jobSpec(id string, m *protocol.StartExecution, dir string, man artifact.Manifest) runtime.Spec {
	params, entry := launchInputs(man, m.Parameters, m.Entrypoint)
	return runtime.Spec{ID: id, Name: man.Name, Version: man.Version, ArtifactDir: dir, Entrypoint: entry,
		Parameters: params, Timeout: m.Timeout(), RunAs: m.RunAs,
		Limits: runtime.Limits{CPUMillis: m.Limits.CPUMillis, MemoryMB: m.Limits.MemoryMB,
			MaxProcesses: m.Limits.MaxProcesses, MaxOpenFiles: m.Limits.MaxOpenFiles}}
}

// await waits for a job's result and reports it.
func (x *executor) await(execID string, attempt int, h *runtime.Handle) {
	res, err := h.Wait(x.ctx)
	if err != nil {
		return // the agent stops; the next one reattaches
	}
	x.logs.flush(execID)
	st := finalStatus(res)
	st.ExecutionID, st.Attempt = execID, attempt
	x.finish(st)
}

// finalStatus maps a runtime result to the product's execution status.
func finalStatus(res runtime.Result) *protocol.ExecutionStatus {
	st := &protocol.ExecutionStatus{ExitCode: res.ExitCode, ProcessedRows: res.Processed, RejectedRows: res.Rejected}
	switch res.Status {
	case runtime.StatusSucceeded:
		st.Status = protocol.ExecSuccess
	case runtime.StatusTimeout:
		st.Status, st.Message = protocol.ExecTerminatedTimout, "the job ran past its timeout and was killed"
	case runtime.StatusStopped:
		st.Status, st.Message = protocol.ExecTerminated, "stopped"
	case runtime.StatusMemoryLimit:
		st.Status, st.Message = protocol.ExecFailed, "killed for exceeding its memory limit"
	case runtime.StatusLost:
		st.Status, st.Message = protocol.ExecFailed, "the job was lost while the engine was down: "+res.Error
	default:
		st.Status = protocol.ExecFailed
		st.Message = fmt.Sprintf("the job failed with exit code %d", res.ExitCode)
		if res.Error != "" {
			st.Message += ": " + res.Error
		}
	}
	return st
}

// finish records a final status until it is acknowledged, and sends it.
func (x *executor) finish(st *protocol.ExecutionStatus) {
	id := workloadID(st.ExecutionID, st.Attempt)
	x.mu.Lock()
	x.pending[id] = st
	delete(x.stops, id)
	x.mu.Unlock()
	x.send(st)
}

// send writes m on the current link, if any (final statuses are resent at
// the next session anyway).
func (x *executor) send(m protocol.Message) {
	if link := x.currentLink(); link != nil {
		_ = link.send(m)
	}
}

// acked forgets an acknowledged final status and its runtime result.
func (x *executor) acked(a *protocol.StatusAck) {
	id := workloadID(a.ExecutionID, a.Attempt)
	x.mu.Lock()
	st := x.pending[id]
	if st == nil || st.Status != a.Status {
		x.mu.Unlock()
		return
	}
	delete(x.pending, id)
	delete(x.taken, id)
	x.accepted[id] = time.Now()
	x.forgetAcked(time.Now().Add(-acceptedMemory))
	x.mu.Unlock()
	x.logs.forget(a.ExecutionID)
	if err := x.sup.Release(id); err != nil && !errors.Is(err, runtime.ErrNotFound) {
		x.log.Warn("releasing a reported result failed", "workload", id, "err", err)
		return
	}
	x.ledger.remove(id)
}

// logAcked forgets log lines the server stored and records how far it
// got, for a restarted agent.
func (x *executor) logAcked(a *protocol.LogAck) {
	x.logs.acked(a.ExecutionID, a.Attempt, a.Seq)
	x.ledger.ackLogs(workloadID(a.ExecutionID, a.Attempt), a.Seq)
}

// stop ends a running job (its result is reported as usual) or marks one
// still being prepared so it never starts.
func (x *executor) stop(m *protocol.StopExecution) {
	id := workloadID(m.ExecutionID, m.Attempt)
	x.mu.Lock()
	if acked, taken := x.accepted[id]; !taken || !acked.IsZero() || x.pending[id] != nil {
		x.mu.Unlock()
		return
	}
	x.stops[id] = true
	x.mu.Unlock()
	h, err := x.sup.Get(id)
	if err != nil || h.Info().State == runtime.StateStarting {
		return // run checks stops before and after starting
	}
	x.wg.Go(func() {
		ctx, cancel := context.WithTimeout(x.ctx, time.Minute)
		defer cancel()
		if _, err := x.sup.Stop(ctx, id); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			x.log.Warn("stopping execution failed", "workload", id, "err", err)
		}
	})
}

func (x *executor) stopRequested(id string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.stops[id]
}

// wait waits for every run goroutine (after the agent's ctx ended).
func (x *executor) wait() { x.wg.Wait() }

// acceptedMemory is how long an acknowledged attempt is remembered, so a
// start resent by a node whose replica lags behind is not run again.
const acceptedMemory = 10 * time.Minute

// forgetAcked drops attempts acknowledged before cutoff (every 256th
// call, so the scan stays cheap). x.mu is held.
func (x *executor) forgetAcked(cutoff time.Time) {
	x.acks++
	if x.acks%256 != 0 {
		return
	}
	for id, at := range x.accepted {
		if !at.IsZero() && at.Before(cutoff) {
			delete(x.accepted, id)
		}
	}
}
