package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/agent/artifacts"
	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

// startingGrace is how long a started job may run before the agent
// reports STARTING_FLOW_EXECUTION.
const startingGrace = 20 * time.Millisecond

// Config is what the executor needs from the agent.
type Config struct {
	// Dir holds the execution ledger.
	Dir string
	// Fetcher provides artifacts.
	Fetcher *artifacts.Fetcher
	// Session is the session statuses and logs are sent on.
	Session *link.Current
	Logger  *slog.Logger
}

// Executor runs the executions assigned to this engine. It outlives
// sessions: work keeps running while the agent reconnects, and every
// final status is kept (in the runtime's state dir, or here for one that
// never ran) and sent again at each session start until acknowledged, so
// an engine that was away reports what it ran, once.
type Executor struct {
	sup     *runtime.Supervisor
	fetcher *artifacts.Fetcher
	session *link.Current
	ledger  *ledger
	log     *slog.Logger
	logs    *logShipper

	ctx      context.Context // the agent's run: work outlives sessions
	wg       sync.WaitGroup
	logsDone chan struct{} // ends the log shipper's loop
	logsWG   sync.WaitGroup

	mu       sync.Mutex
	accepted map[string]time.Time                 // workload IDs taken in this process -> when acknowledged (zero: not yet)
	taken    map[string]attemptRef                // workload IDs taken and not yet acknowledged as finished (WorkOpen.Known)
	stops    map[string]bool                      // stop asked before the job started
	pending  map[string]*protocol.ExecutionStatus // final statuses not yet acknowledged
	acks     int                                  // acknowledgements seen, paces forgetAcked
}

// Open opens the execution ledger and returns an executor that runs work
// until ctx ends. Give the runtime its OnLog and LogFrom, then Start it
// with that runtime.
func Open(ctx context.Context, cfg Config) (*Executor, error) {
	l, err := openLedger(cfg.Dir)
	if err != nil {
		return nil, err
	}
	x := &Executor{fetcher: cfg.Fetcher, session: cfg.Session, ledger: l, log: cfg.Logger, ctx: ctx, logsDone: make(chan struct{}),
		accepted: map[string]time.Time{}, taken: map[string]attemptRef{}, stops: map[string]bool{}, pending: map[string]*protocol.ExecutionStatus{}}
	x.logs = newLogShipper(cfg.Session.Get, l.get)
	return x, nil
}

// OnLog takes one log line of a workload (the runtime's Config.OnLog).
func (x *Executor) OnLog(workload string, l plugins.LogLine) { x.logs.add(workload, l) }

// LogFrom is where an execution's log resumes (the runtime's
// Config.LogFrom): after the last line the server acknowledged.
func (x *Executor) LogFrom(workload string) (uint64, bool) { return x.ledger.logFrom(workload) }

// Start takes the runtime the executor runs jobs in, picks up what an
// earlier agent left in it and starts shipping logs.
func (x *Executor) Start(sup *runtime.Supervisor) {
	x.sup = sup
	x.resume()
	x.logsWG.Go(func() { x.logs.run(x.logsDone) })
}

// resume picks up what an earlier agent left in the runtime: finished
// jobs are reported, running ones watched. Ledger entries without a
// workload never started (the runtime records a workload before its
// process exists): they are dropped, so WorkOpen does not claim them and
// the control plane gives them to an engine again.
func (x *Executor) resume() {
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

// Running is the number of workloads (jobs and services) not finished.
func (x *Executor) Running() int {
	n := 0
	for _, info := range x.sup.List() {
		if info.State != runtime.StateExited {
			n++
		}
	}
	return n
}

// SessionStarted resends every unacknowledged final status and log line
// on a new session, once it is the current one.
func (x *Executor) SessionStarted(s *link.Session) {
	x.mu.Lock()
	var resend []*protocol.ExecutionStatus
	for _, st := range x.pending {
		resend = append(resend, st)
	}
	x.mu.Unlock()
	x.logs.rewind() // what the last session sent may not have arrived
	x.logs.flushAll()
	for _, st := range resend {
		_ = s.Send(st)
	}
}

// Handle acts on a work message of the jobs (StartExecution,
// StopExecution, StatusAck, LogAck); it ignores any other.
func (x *Executor) Handle(m protocol.Message) {
	switch msg := m.(type) {
	case *protocol.StartExecution:
		x.start(msg)
	case *protocol.StopExecution:
		x.stop(msg)
	case *protocol.StatusAck:
		x.acked(msg)
	case *protocol.LogAck:
		x.logAcked(msg)
	}
}

// start takes an assignment. A repeat (the server sends each waiting
// execution once per session) starts nothing: a finished one's status is
// sent again.
func (x *Executor) start(m *protocol.StartExecution) {
	id := workloadID(m.ExecutionID, m.Attempt)
	x.mu.Lock()
	if _, taken := x.accepted[id]; taken {
		st := x.pending[id]
		x.mu.Unlock()
		if st != nil {
			x.session.Send(st)
		}
		return
	}
	x.accepted[id] = time.Time{}
	x.taken[id] = attemptRef{ExecutionID: m.ExecutionID, Attempt: m.Attempt}
	x.mu.Unlock()
	x.wg.Go(func() { x.run(m) })
}

// run prepares and starts one job, then waits for its end.
func (x *Executor) run(m *protocol.StartExecution) {
	id := workloadID(m.ExecutionID, m.Attempt)
	final := func(status, msg string) {
		x.finish(&protocol.ExecutionStatus{ExecutionID: m.ExecutionID, Attempt: m.Attempt, Status: status, Message: msg})
	}
	dir, man, err := x.fetcher.Fetch(m.Artifact)
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
	params, entry := artifacts.LaunchInputs(man, m.Parameters, m.Entrypoint)
	return runtime.Spec{ID: id, Name: man.Name, Version: man.Version, ArtifactDir: dir, Entrypoint: entry,
		Parameters: params, Timeout: m.Timeout(), RunAs: m.RunAs,
		Limits: runtime.Limits{CPUMillis: m.Limits.CPUMillis, MemoryMB: m.Limits.MemoryMB,
			MaxProcesses: m.Limits.MaxProcesses, MaxOpenFiles: m.Limits.MaxOpenFiles}}
}

// await waits for a job's result and reports it.
func (x *Executor) await(execID string, attempt int, h *runtime.Handle) {
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
		st.Status, st.Message = protocol.ExecTerminatedTimeout, "the job ran past its timeout and was killed"
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
func (x *Executor) finish(st *protocol.ExecutionStatus) {
	id := workloadID(st.ExecutionID, st.Attempt)
	x.mu.Lock()
	x.pending[id] = st
	delete(x.stops, id)
	x.mu.Unlock()
	x.send(st)
}

// send writes m on the current session, if any (final statuses are
// resent at the next session anyway).
func (x *Executor) send(m protocol.Message) { x.session.Send(m) }

// acked forgets an acknowledged final status and its runtime result.
func (x *Executor) acked(a *protocol.StatusAck) {
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
func (x *Executor) logAcked(a *protocol.LogAck) {
	x.logs.acked(a.ExecutionID, a.Attempt, a.Seq)
	x.ledger.ackLogs(workloadID(a.ExecutionID, a.Attempt), a.Seq)
}

// stop ends a running job (its result is reported as usual) or marks one
// still being prepared so it never starts.
func (x *Executor) stop(m *protocol.StopExecution) {
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

func (x *Executor) stopRequested(id string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.stops[id]
}

// Wait waits for every run goroutine (after the agent's ctx ended and
// the runtime closed), then stops the log shipper.
func (x *Executor) Wait() {
	x.wg.Wait()
	close(x.logsDone)
	x.logsWG.Wait()
}

// acceptedMemory is how long an acknowledged attempt is remembered, so a
// start resent by a node whose replica lags behind is not run again.
const acceptedMemory = 10 * time.Minute

// forgetAcked drops attempts acknowledged before cutoff (every 256th
// call, so the scan stays cheap). x.mu is held.
func (x *Executor) forgetAcked(cutoff time.Time) {
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
