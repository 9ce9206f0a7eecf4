package executionstest

import (
	"cmp"
	"context"
	"fmt"
	"github.com/roundhouse/roundhouse/cluster"
	"strings"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Behavior is what the fake engine does with one execution.
type Behavior struct {
	// Duration is how long the run takes (0: finishes at once).
	Duration time.Duration
	// Hang runs until stopped or timed out.
	Hang bool
	// Until, when not nil, runs until it is closed (then ends like a
	// Duration run), so a test decides when a run ends.
	Until <-chan struct{}
	// Status is the final status reported (default EXECUTION_SUCCESS).
	Status string
	// Busy reports BUSY instead of running.
	Busy bool
	// Logs are log messages sent while running.
	Logs []string
}

// Engine is a fake engine: it watches its assignments in the local replica
// and reports statuses through the service's entry point.
type Engine struct {
	ID     string
	Execs  *executions.Service
	Read   func() *cluster.Reader
	Behave func(e *state.Execution) Behavior

	mu      sync.Mutex
	runs    map[string]int // execution ID -> times started
	running map[string]context.CancelFunc
	peak    int
}

// Runs returns how many times the engine started an execution.
func (e *Engine) Runs(id string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.runs[id]
}

// Total returns how many runs the engine started.
func (e *Engine) Total() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, c := range e.runs {
		n += c
	}
	return n
}

// Peak returns the most executions it ran at once.
func (e *Engine) Peak() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.peak
}

// Run consumes assignments until ctx ends, then waits for its runs.
func (e *Engine) Run(ctx context.Context) {
	e.mu.Lock()
	e.runs, e.running = map[string]int{}, map[string]context.CancelFunc{}
	e.mu.Unlock()
	var wg sync.WaitGroup
	defer wg.Wait()
	started := map[string]bool{}
	for {
		list, watch := state.WatchEngineExecutions(e.Read(), e.ID)
		current := map[string]bool{}
		for _, x := range list {
			current[x.ID] = true
			key := fmt.Sprintf("%s/%d", x.ID, x.Attempt)
			switch {
			case x.ExecutionStatus == state.ExecDispatching && !started[key]:
				started[key] = true
				runCtx, cancel := context.WithCancel(ctx)
				e.mu.Lock()
				e.running[x.ID] = cancel
				e.mu.Unlock()
				wg.Add(1)
				go func(x *state.Execution) { defer wg.Done(); e.execute(runCtx, x) }(x)
			case x.ExecutionStatus == state.ExecStopping:
				e.cancel(x.ID)
			}
		}
		for key := range started { // forget executions that left: keys carry the attempt
			if id, _, _ := strings.Cut(key, "/"); !current[id] {
				delete(started, key)
			}
		}
		e.mu.Lock()
		for id, cancel := range e.running {
			if !current[id] { // finished elsewhere (timeout): kill it
				cancel()
			}
		}
		e.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-watch:
		}
	}
}

func (e *Engine) cancel(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.running[id]; c != nil {
		c()
	}
}

func (e *Engine) execute(ctx context.Context, x *state.Execution) {
	defer func() {
		e.mu.Lock()
		delete(e.running, x.ID)
		e.mu.Unlock()
	}()
	b := Behavior{}
	if e.Behave != nil {
		b = e.Behave(x)
	}
	report := func(status, msg string) {
		_ = e.Execs.ReportStatus(context.Background(), x.ID, state.StatusUpdate{EngineID: e.ID, Attempt: x.Attempt, Status: status, Message: msg})
	}
	if b.Busy {
		report(state.ExecBusy, "")
		return
	}
	e.mu.Lock()
	e.runs[x.ID]++
	if n := len(e.running); n > e.peak {
		e.peak = n
	}
	e.mu.Unlock()
	report(state.ExecStarting, "")
	if len(b.Logs) > 0 {
		lines := make([]executions.LogLine, 0, len(b.Logs))
		for _, m := range b.Logs {
			lines = append(lines, executions.LogLine{Timestamp: time.Now().UTC(), Severity: "INFO", Message: m})
		}
		_ = e.Execs.AppendLogs(context.Background(), x.ID, lines)
	}
	var done <-chan time.Time
	if !b.Hang && b.Until == nil {
		t := time.NewTimer(b.Duration)
		defer t.Stop()
		done = t.C
	}
	select {
	case <-ctx.Done():
		report(state.ExecTerminated, "stopped")
	case <-b.Until:
		report(cmp.Or(b.Status, state.ExecSuccess), "")
	case <-done:
		report(cmp.Or(b.Status, state.ExecSuccess), "")
	}
}
