package executions_test

import (
	"context"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// An engine that reconnects without an assignment it was given (restarted
// and lost it) gets it back as a new attempt, through the queue; the
// attempt it holds after that is not touched, and one it still holds that
// ended here is named for stopping.
func TestReconcileRequeuesWhatTheEngineLostAndStopsWhatEnded(t *testing.T) {
	f := start(t)
	task := f.jobTask("lost", nil)
	id := f.run(task, nil)
	f.wait(id, state.ExecDispatching) // no engine runs: it stays dispatched
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	acc, err := f.srv.Executions().Reconcile(ctx, "engine-1", []executions.Attempt{})
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.Lost) != 1 || acc.Lost[0] != (executions.Attempt{ExecutionID: id, Attempt: 1}) {
		t.Fatalf("lost = %+v, want attempt 1 of %s", acc.Lost, id)
	}
	// Back in the queue, the dispatcher gives it out again as attempt 2.
	deadline := time.Now().Add(10 * time.Second)
	for {
		e := readExecution(t, f.srv, id)
		if e.ExecutionStatus == state.ExecDispatching && e.Attempt == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not dispatched again: %s attempt %d", e.ExecutionStatus, e.Attempt)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// The engine now holds attempt 2 (and still says attempt 1): nothing
	// is lost, attempt 1 is over here and named for stopping.
	acc, err = f.srv.Executions().Reconcile(ctx, "engine-1", []executions.Attempt{{ExecutionID: id, Attempt: 2}, {ExecutionID: id, Attempt: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.Lost) != 0 || len(acc.Ended) != 1 || acc.Ended[0].Attempt != 1 {
		t.Fatalf("account = %+v, want nothing lost and attempt 1 ended", acc)
	}

	// Once the engine reported it started, its absence no longer re-queues
	// it: a started job may still run somewhere.
	if err := f.srv.Executions().ReportStatus(ctx, id, state.StatusUpdate{EngineID: "engine-1", Attempt: 2, Status: state.ExecStarting}); err != nil {
		t.Fatal(err)
	}
	acc, err = f.srv.Executions().Reconcile(ctx, "engine-1", []executions.Attempt{})
	if err != nil {
		t.Fatal(err)
	}
	if e := readExecution(t, f.srv, id); len(acc.Lost) != 0 || e.ExecutionStatus != state.ExecStarting || e.Attempt != 2 {
		t.Fatalf("started execution re-queued: %+v, now %s attempt %d", acc, e.ExecutionStatus, e.Attempt)
	}
}
