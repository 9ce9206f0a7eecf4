package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/roundhouse/roundhouse/plugins"
)

// workload is one supervised plugin and what runs under it. Its monitor
// goroutine (owned by the Supervisor's WaitGroup) waits for the outcome,
// pumps logs and enforces the timeout.
type workload struct {
	s    *Supervisor
	id   string
	kind string
	dir  string

	mu         sync.Mutex
	rec        record
	state      string
	client     *plugin.Client
	rpc        *plugins.Client
	reattached bool
	timedOut   bool
	stopping   bool
	holdsSlot  bool
	warm       *warmPlugin // the pool's plugin this job runs in, if any
	stderr     *tailBuffer // the plugin's stderr; nil after a reattach

	done   chan struct{} // closed once result is set
	result Result
}

func (w *workload) workDir() string {
	if w.rec.WorkDir != "" {
		return w.rec.WorkDir
	}
	return filepath.Join(w.dir, workSubdir)
}

func (w *workload) info() Info {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state == StateStarting {
		// launch still fills the record, without the lock.
		return Info{ID: w.id, Kind: w.kind, State: w.state}
	}
	in := Info{
		ID: w.id, Kind: w.rec.Kind, Name: w.rec.Spec.Name, Version: w.rec.Spec.Version,
		State: w.state, Port: w.rec.Port, PluginPid: w.rec.Plugin.Pid,
		StartedAt: w.rec.StartedAt, Reattached: w.reattached,
	}
	if w.state == StateExited {
		r := w.result
		in.Result = &r
	}
	return in
}

// monitor runs until the workload ends or the supervisor closes.
func (w *workload) monitor(ctx context.Context) {
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		w.pumpLogs(ctx)
	}()
	if dl := w.deadline(); !dl.IsZero() {
		t := time.AfterFunc(time.Until(dl), func() { w.expire(ctx) })
		defer t.Stop()
	}
	out, err := w.waitOutcome(ctx)
	if ctx.Err() != nil {
		return // the supervisor is closing: leave the workload running
	}
	// Every line before the result: the log stream ends when the plugin
	// closes its buffer, right after the outcome.
	select {
	case <-logsDone:
	case <-time.After(2 * time.Second):
	}
	w.finish(w.classify(out, err))
}

func (w *workload) running() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state != StateExited
}

func (w *workload) deadline() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rec.Deadline
}

// waitOutcome asks the plugin for the outcome until it answers or is gone.
func (w *workload) waitOutcome(ctx context.Context) (plugins.Outcome, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		out, err := w.rpc.Wait(ctx)
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return plugins.Outcome{}, ctx.Err()
		}
		lastErr = err
		if !w.rec.Plugin.alive() || attempt >= 50 {
			return plugins.Outcome{}, fmt.Errorf("plugin exited unexpectedly: %w", lastErr)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return plugins.Outcome{}, ctx.Err()
		}
	}
}

// classify turns the plugin's outcome into a Result.
func (w *workload) classify(out plugins.Outcome, waitErr error) Result {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := Result{
		ID: w.id, Kind: w.rec.Kind, ExitCode: out.ExitCode, Signal: out.Signal,
		Processed: out.Processed, Rejected: out.Rejected, Error: out.Error,
		StartedAt: w.rec.StartedAt, EndedAt: out.EndedAt,
	}
	if r.EndedAt.IsZero() {
		r.EndedAt = time.Now().UTC()
	}
	if waitErr != nil {
		r.ExitCode, r.Error = -1, waitErr.Error()
		if w.stderr != nil {
			if tail := w.stderr.String(); tail != "" {
				r.Error += " (plugin stderr: " + tail + ")"
			}
		}
	}
	switch {
	case w.timedOut:
		r.Status, r.Error = StatusTimeout, fmt.Sprintf("timed out after %s", w.rec.Spec.Timeout)
	case w.rec.Cgroup.oomKills() > w.rec.OOMBase:
		r.Status, r.Error = StatusMemoryLimit, fmt.Sprintf("killed: memory limit of %d MB exceeded", w.rec.Spec.Limits.MemoryMB)
	case w.stopping || out.Stopped:
		r.Status = StatusStopped
	case waitErr == nil && out.ExitCode == 0 && out.Error == "" && w.rec.Kind == KindJob:
		r.Status = StatusSucceeded
	default:
		r.Status = StatusFailed
		if r.Error == "" {
			r.Error = fmt.Sprintf("exit status %d %s", out.ExitCode, out.Signal)
		}
	}
	return r
}

// finish records and delivers the result and cleans up: it kills the
// plugin and everything in its groups, then frees the port. When Wait
// returns no process of the job is left; a job's result goes out before
// the slower rest of the clean-up (plugin and cgroup removal), a
// service's after it, so that its port is free once Stop returns. A
// job's slot is free before its result goes out: once the control plane
// has the result (and counts the execution as ended), the engine can
// start the next job at once, so the control plane's per-engine cap
// never makes a job wait here.
func (w *workload) finish(r Result) {
	if err := writeJSON(filepath.Join(w.dir, resultFile), r); err != nil {
		w.s.cfg.Logger.Error("save workload result", "workload", w.id, "err", err)
	}
	w.mu.Lock()
	w.result, w.state = r, StateExited
	holds := w.holdsSlot
	w.holdsSlot = false
	port := w.rec.Port
	w.mu.Unlock()
	if w.recycle(r) {
		if holds {
			<-w.s.jobSlots
		}
		close(w.done)
		return
	}
	w.killAll()
	if w.kind == KindJob {
		if holds {
			<-w.s.jobSlots
		}
		close(w.done)
	}
	w.teardown()
	w.s.ports.release(port)
	if w.kind != KindJob {
		close(w.done)
	}
	w.s.cfg.Logger.Info("workload ended", "workload", w.id, "status", r.Status, "exit", r.ExitCode)
}

// recycle hands a pool plugin whose job ended normally back to the pool,
// after killing whatever the job left behind. A plugin process then serves
// many jobs, which is most of the throughput.
func (w *workload) recycle(r Result) bool {
	w.mu.Lock()
	wp, rec := w.warm, w.rec
	normal := !w.timedOut && !w.stopping
	w.mu.Unlock()
	if wp == nil || !normal || r.ExitCode < 0 || (r.Status != StatusSucceeded && r.Status != StatusFailed) {
		return false
	}
	if rec.Cgroup != nil && len(rec.Cgroup.Fork) == 0 {
		// cgroup v2: job and plugin share one group, so the job's
		// stragglers cannot be killed without the plugin.
		return false
	}
	_ = rec.Child.killGroup()
	if err := rec.Cgroup.killJob(); err != nil {
		return false
	}
	return w.s.warm.give(wp, func() error {
		w.mu.Lock()
		defer w.mu.Unlock()
		rec := w.rec
		rec.Plugin, rec.Child, rec.Cgroup, rec.SocketDir = procIdentity{}, procIdentity{}, nil, ""
		if err := overwriteJSON(filepath.Join(w.dir, recordFile), rec); err != nil {
			return err // still ours: the caller tears it down
		}
		w.rec, w.client, w.rpc, w.warm = rec, nil, nil, nil
		return nil
	})
}

// teardown ends the plugin and every process of the workload.
func (w *workload) teardown() {
	w.mu.Lock()
	client, rec := w.client, w.rec
	w.mu.Unlock()
	w.killAll()
	if client != nil {
		client.Kill() // reaps the plugin and removes its socket
	}
	if err := rec.Cgroup.remove(); err != nil {
		w.s.cfg.Logger.Warn("remove workload cgroup", "workload", w.id, "err", err)
	}
	if rec.SocketDir != "" {
		os.RemoveAll(rec.SocketDir)
	}
}

// killAll SIGKILLs the cgroup and both process groups (after checking
// they are still ours).
func (w *workload) killAll() {
	w.mu.Lock()
	rec := w.rec
	w.mu.Unlock()
	_ = rec.Child.killGroup()
	_ = rec.Plugin.killGroup()
	if err := rec.Cgroup.kill(); err != nil {
		w.s.cfg.Logger.Warn("kill workload cgroup", "workload", w.id, "err", err)
	}
}

// expire is the timeout: stop gracefully, then kill.
func (w *workload) expire(ctx context.Context) {
	w.mu.Lock()
	if w.state == StateExited {
		w.mu.Unlock()
		return
	}
	w.timedOut = true
	w.mu.Unlock()
	w.s.cfg.Logger.Info("workload timed out", "workload", w.id)
	w.stop(ctx)
}

// stop asks the plugin to stop within StopGrace and kills everything if
// the workload has not ended shortly after.
func (w *workload) stop(ctx context.Context) {
	w.mu.Lock()
	if w.state == StateExited {
		w.mu.Unlock()
		return
	}
	w.stopping, w.state = true, StateStopping
	w.mu.Unlock()
	grace := w.s.cfg.StopGrace
	sctx, cancel := context.WithTimeout(ctx, grace+time.Second)
	err := w.rpc.Stop(sctx, plugins.StopRequest{Grace: grace})
	cancel()
	select {
	case <-w.done:
		return
	case <-time.After(time.Second):
	case <-ctx.Done():
		return
	}
	if err != nil {
		w.s.cfg.Logger.Warn("graceful stop failed; killing", "workload", w.id, "err", err)
	}
	w.killAll()
}

// Wait blocks until the workload has ended and returns its result.
func (w *workload) wait(ctx context.Context) (Result, error) {
	select {
	case <-w.done:
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.result, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

var errNotRunning = errors.New("workload is not running")
