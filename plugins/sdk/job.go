package sdk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// Run is what a job function gets: its parameters and a log.
type Run struct {
	// Request is the host's start request (parameters, work dir, ...).
	Request plugins.StartRequest
	run     *jobRun
}

// Param returns a parameter's value, or def when it is not set.
func (r *Run) Param(name, def string) string {
	if v, ok := r.Request.Parameters[name]; ok {
		return v
	}
	return def
}

// Logf adds one log line.
func (r *Run) Logf(format string, args ...any) {
	r.run.logs.Append("job", fmt.Sprintf(format, args...), false)
}

// Sink adds captured output lines to the job's log.
func (r *Run) Sink(stream, text string, truncated bool) { r.run.logs.Append(stream, text, truncated) }

// StartedProcess tells the host which process group the job runs in, so
// it can kill the whole tree. Jobs that run a command call it once.
func (r *Run) StartedProcess(pid int) {
	r.run.mu.Lock()
	r.run.info = plugins.StartInfo{Pid: pid, Pgid: pid}
	r.run.mu.Unlock()
	r.run.startedOnce.Do(func() { close(r.run.started) })
}

// StopGrace is how long a stopping job may take before it is killed.
func (r *Run) StopGrace() time.Duration {
	r.run.mu.Lock()
	defer r.run.mu.Unlock()
	return r.run.grace
}

// Rows is what a job reports about the data it handled.
type Rows struct {
	Processed int64
	Rejected  int64
	// EndedAt is when the work ended, if earlier than the function's
	// return (a command's exit); zero means "when it returned".
	EndedAt time.Time
}

// ExitError reports a job whose process ended with a non-zero status.
type ExitError struct {
	Code    int
	Signal  string
	EndedAt time.Time
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		return "killed by " + e.Signal
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// JobFunc is the body of a job. It should return when ctx ends (stop or
// timeout). A non-nil error fails the job.
type JobFunc func(ctx context.Context, run *Run) (Rows, error)

// jobRun is one run of the function: its log, state and outcome.
type jobRun struct {
	logs        *LogBuffer
	done        chan struct{}
	started     chan struct{}
	startedOnce sync.Once

	mu     sync.Mutex
	state  string
	info   plugins.StartInfo
	grace  time.Duration
	cancel context.CancelFunc
	out    plugins.Outcome
}

// JobServer serves a JobFunc as a plugins.Job. It runs one job at a time;
// Start after the previous run has ended begins a fresh one (new log
// numbering), which lets the host reuse a plugin process for many jobs.
type JobServer struct {
	// ReportsProcess makes Start wait until the job calls StartedProcess
	// (or returns), so the host learns the process group from Start.
	ReportsProcess bool

	fn  JobFunc
	mu  sync.Mutex
	cur *jobRun
}

// NewJobServer wraps fn.
func NewJobServer(fn JobFunc) *JobServer {
	return &JobServer{fn: fn, cur: newJobRun()}
}

func newJobRun() *jobRun {
	return &jobRun{logs: NewLogBuffer(0), done: make(chan struct{}), started: make(chan struct{}), state: plugins.StateStarting, grace: 5 * time.Second}
}

func (j *JobServer) current() *jobRun {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cur
}

// Start implements plugins.Workload.
func (j *JobServer) Start(ctx context.Context, req plugins.StartRequest) (plugins.StartInfo, error) {
	j.mu.Lock()
	r := j.cur
	r.mu.Lock()
	state := r.state
	r.mu.Unlock()
	switch state {
	case plugins.StateStarting:
	case plugins.StateExited:
		r = newJobRun()
		j.cur = r
	default:
		j.mu.Unlock()
		return plugins.StartInfo{}, errors.New("a job is already running")
	}
	// The run outlives the Start call: it has its own context.
	runCtx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.cancel, r.state = cancel, plugins.StateRunning
	r.mu.Unlock()
	j.mu.Unlock()
	go j.run(runCtx, r, &Run{Request: req, run: r})
	if j.ReportsProcess {
		select {
		case <-r.started:
		case <-r.done:
		case <-ctx.Done():
			return plugins.StartInfo{}, ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state == plugins.StateExited && r.out.Error != "" && r.info.Pid == 0 {
		return plugins.StartInfo{}, errors.New(r.out.Error)
	}
	return r.info, nil
}

func (j *JobServer) run(ctx context.Context, r *jobRun, run *Run) {
	rows, err := j.safeCall(ctx, run)
	out := plugins.Outcome{Processed: rows.Processed, Rejected: rows.Rejected, EndedAt: time.Now().UTC()}
	if !rows.EndedAt.IsZero() {
		out.EndedAt = rows.EndedAt
	}
	var exit *ExitError
	switch {
	case errors.As(err, &exit):
		out.ExitCode, out.Signal, out.EndedAt = exit.Code, exit.Signal, exit.EndedAt
	case err != nil:
		out.ExitCode, out.Error = 1, err.Error()
	}
	r.mu.Lock()
	if r.state == plugins.StateStopping {
		out.Stopped = true
	}
	r.out, r.state = out, plugins.StateExited
	r.mu.Unlock()
	r.logs.Close()
	close(r.done)
}

func (j *JobServer) safeCall(ctx context.Context, run *Run) (rows Rows, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job panicked: %v", p)
		}
	}()
	return j.fn(ctx, run)
}

// Wait implements plugins.Workload: it waits for the current run.
func (j *JobServer) Wait(ctx context.Context) (plugins.Outcome, error) {
	r := j.current()
	select {
	case <-r.done:
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.out, nil
	case <-ctx.Done():
		return plugins.Outcome{}, ctx.Err()
	}
}

// Stop implements plugins.Workload: it cancels the job's context and waits
// up to req.Grace for it to return.
func (j *JobServer) Stop(ctx context.Context, req plugins.StopRequest) error {
	r := j.current()
	r.mu.Lock()
	cancel := r.cancel
	r.grace = req.Grace
	if r.state == plugins.StateRunning {
		r.state = plugins.StateStopping
	}
	r.mu.Unlock()
	if cancel == nil {
		return errors.New("job not started")
	}
	cancel()
	select {
	case <-r.done:
	case <-time.After(req.Grace):
	case <-ctx.Done():
	}
	return nil
}

// Status implements plugins.Workload.
func (j *JobServer) Status(context.Context) (plugins.Status, error) {
	r := j.current()
	r.mu.Lock()
	defer r.mu.Unlock()
	return plugins.Status{State: r.state, Healthy: r.state == plugins.StateRunning}, nil
}

// Logs implements plugins.Workload: the current run's log.
func (j *JobServer) Logs(ctx context.Context, req plugins.LogsRequest, send func(plugins.LogLine) error) error {
	return j.current().logs.Follow(ctx, req.From, send)
}
