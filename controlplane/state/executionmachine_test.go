package state

import (
	"testing"
	"time"
)

func TestNextExecution(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	delays := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	queued := Execution{ID: "e", ExecutionStatus: ExecEventReceived, TriggerTime: t0, Timeout: 5 * time.Minute, Active: true}
	onEngine := func(status string) Execution {
		e := queued
		e.ExecutionStatus, e.EngineID, e.Attempt, e.Active = status, "eng1", 1, !IsFinalStatus(status)
		at := t0
		e.DispatchedAt = &at
		return e
	}
	report := func(engine string, attempt int, status string) ExecutionEvent {
		return ExecutionEvent{Kind: EventReport, At: t0, EngineID: engine, Attempt: attempt, Status: status}
	}
	busyAfter := func(n int) Execution { e := queued; e.BusyRetries = n; return e }
	cases := []struct {
		name       string
		cur        Execution
		ev         ExecutionEvent
		wantStatus string
		wantChange bool
		wantErr    bool
		check      func(t *testing.T, e Execution)
	}{
		{name: "assign queued", cur: queued, ev: ExecutionEvent{Kind: EventAssign, At: t0, EngineID: "eng1"},
			wantStatus: ExecDispatching, wantChange: true, check: func(t *testing.T, e Execution) {
				if e.EngineID != "eng1" || e.Attempt != 1 || e.DispatchedAt == nil {
					t.Errorf("assignment not recorded: %+v", e)
				}
			}},
		{name: "assign twice refused", cur: onEngine(ExecDispatching), ev: ExecutionEvent{Kind: EventAssign, EngineID: "eng2"},
			wantStatus: ExecDispatching, wantErr: true},
		{name: "engine starts it", cur: onEngine(ExecDispatching), ev: report("eng1", 1, ExecStarting),
			wantStatus: ExecStarting, wantChange: true},
		{name: "duplicate start report", cur: onEngine(ExecStarting), ev: report("eng1", 1, ExecStarting),
			wantStatus: ExecStarting},
		{name: "report of a stale attempt ignored", cur: onEngine(ExecStarting), ev: report("eng1", 0, ExecFailed),
			wantStatus: ExecStarting},
		{name: "report of another engine ignored", cur: onEngine(ExecStarting), ev: report("eng2", 1, ExecSuccess),
			wantStatus: ExecStarting},
		{name: "success", cur: onEngine(ExecStarting), ev: report("eng1", 1, ExecSuccess),
			wantStatus: ExecSuccess, wantChange: true, check: func(t *testing.T, e Execution) {
				if e.Active || e.FinishedAt == nil || e.ErrorType != "" {
					t.Errorf("final fields wrong: %+v", e)
				}
			}},
		{name: "duplicate final report", cur: func() Execution { e := onEngine(ExecSuccess); e.EngineReportedStatus = ExecSuccess; return e }(),
			ev: report("eng1", 1, ExecFailed), wantStatus: ExecSuccess},
		{name: "engine back after a timeout says what it ran", cur: onEngine(ExecTerminatedTimeout), ev: report("eng1", 1, ExecSuccess),
			wantStatus: ExecTerminatedTimeout, wantChange: true, check: func(t *testing.T, e Execution) {
				if e.EngineReportedStatus != ExecSuccess {
					t.Errorf("engine's report not kept: %+v", e)
				}
			}},
		{name: "late report of another attempt ignored", cur: onEngine(ExecTerminatedTimeout), ev: report("eng1", 2, ExecSuccess),
			wantStatus: ExecTerminatedTimeout},
		{name: "deploy failed straight from dispatch", cur: onEngine(ExecDispatching), ev: report("eng1", 1, ExecDeployFailed),
			wantStatus: ExecDeployFailed, wantChange: true},
		{name: "engine cannot report a queue status", cur: onEngine(ExecStarting), ev: report("eng1", 1, ExecEventReceived),
			wantStatus: ExecStarting, wantErr: true},
		{name: "stop queued ends it", cur: queued, ev: ExecutionEvent{Kind: EventStop, At: t0},
			wantStatus: ExecTerminated, wantChange: true},
		{name: "stop running asks the engine", cur: onEngine(ExecStarting), ev: ExecutionEvent{Kind: EventStop, At: t0},
			wantStatus: ExecStopping, wantChange: true},
		{name: "engine confirms stop", cur: onEngine(ExecStopping), ev: report("eng1", 1, ExecTerminated),
			wantStatus: ExecTerminated, wantChange: true},
		{name: "stop finished refused", cur: onEngine(ExecSuccess), ev: ExecutionEvent{Kind: EventStop},
			wantStatus: ExecSuccess, wantErr: true},
		{name: "timeout running", cur: onEngine(ExecStarting), ev: ExecutionEvent{Kind: EventTimeout, At: t0, Message: "late"},
			wantStatus: ExecTerminatedTimeout, wantChange: true},
		{name: "timeout while stopping is a stop", cur: onEngine(ExecStopping), ev: ExecutionEvent{Kind: EventTimeout, At: t0},
			wantStatus: ExecTerminated, wantChange: true},
		{name: "first busy retries after 1 minute", cur: queued, ev: ExecutionEvent{Kind: EventBusy, At: t0, RetryDelays: delays},
			wantStatus: ExecEventReceived, wantChange: true, check: func(t *testing.T, e Execution) {
				if e.NextAttemptAt == nil || !e.NextAttemptAt.Equal(t0.Add(time.Minute)) || e.BusyRetries != 1 {
					t.Errorf("retry not scheduled at +1m: %+v", e)
				}
			}},
		{name: "fourth busy retries after 8 minutes", cur: busyAfter(3), ev: ExecutionEvent{Kind: EventBusy, At: t0, RetryDelays: delays},
			wantStatus: ExecEventReceived, wantChange: true, check: func(t *testing.T, e Execution) {
				if !e.NextAttemptAt.Equal(t0.Add(8 * time.Minute)) {
					t.Errorf("retry at %v, want +8m", e.NextAttemptAt)
				}
			}},
		{name: "busy after the last retry fails with Talend's error", cur: busyAfter(4), ev: ExecutionEvent{Kind: EventBusy, At: t0, RetryDelays: delays},
			wantStatus: ExecFailed, wantChange: true, check: func(t *testing.T, e Execution) {
				if e.ErrorMessage != BusyExhaustedMessage {
					t.Errorf("message %q", e.ErrorMessage)
				}
			}},
		{name: "engine reports busy", cur: onEngine(ExecDispatching), ev: ExecutionEvent{Kind: EventReport, At: t0, EngineID: "eng1", Attempt: 1, Status: ExecBusy, RetryDelays: delays},
			wantStatus: ExecEventReceived, wantChange: true, check: func(t *testing.T, e Execution) {
				if e.EngineID != "" || e.DispatchedAt != nil {
					t.Errorf("assignment not cleared: %+v", e)
				}
			}},
		{name: "lost by its engine: back to the queue", cur: onEngine(ExecDispatching), ev: ExecutionEvent{Kind: EventLost, At: t0, EngineID: "eng1", Attempt: 1},
			wantStatus: ExecEventReceived, wantChange: true, check: func(t *testing.T, e Execution) {
				if e.EngineID != "" || e.DispatchedAt != nil || e.Attempt != 1 || !e.Active {
					t.Errorf("assignment not cleared (attempt kept so the old one stays stale): %+v", e)
				}
			}},
		{name: "lost after it started: may still run, kept", cur: onEngine(ExecStarting), ev: ExecutionEvent{Kind: EventLost, At: t0, EngineID: "eng1", Attempt: 1},
			wantStatus: ExecStarting},
		{name: "lost of an older attempt ignored", cur: onEngine(ExecDispatching), ev: ExecutionEvent{Kind: EventLost, At: t0, EngineID: "eng1", Attempt: 0},
			wantStatus: ExecDispatching},
		{name: "lost said by another engine ignored", cur: onEngine(ExecDispatching), ev: ExecutionEvent{Kind: EventLost, At: t0, EngineID: "eng2", Attempt: 1},
			wantStatus: ExecDispatching},
		{name: "lost of a finished execution ignored", cur: onEngine(ExecSuccess), ev: ExecutionEvent{Kind: EventLost, At: t0, EngineID: "eng1", Attempt: 1},
			wantStatus: ExecSuccess},
		{name: "unknown event", cur: queued, ev: ExecutionEvent{Kind: "explode"}, wantStatus: ExecEventReceived, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next, changed, err := NextExecution(c.cur, c.ev)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err == nil && next.ExecutionStatus != c.wantStatus {
				t.Fatalf("status %s, want %s", next.ExecutionStatus, c.wantStatus)
			}
			if changed != c.wantChange {
				t.Fatalf("changed = %v, want %v", changed, c.wantChange)
			}
			if next.Active != !IsFinalStatus(next.ExecutionStatus) {
				t.Fatalf("Active %v disagrees with status %s", next.Active, next.ExecutionStatus)
			}
			if c.check != nil {
				c.check(t, next)
			}
		})
	}
}

func TestExecutionDeadline(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	cases := []struct {
		name string
		e    Execution
		want *time.Time
	}{
		{"queued: timeout from trigger", Execution{ExecutionStatus: ExecEventReceived, TriggerTime: t0, Timeout: time.Minute}, at(time.Minute)},
		{"waiting for a busy retry: none", Execution{ExecutionStatus: ExecEventReceived, TriggerTime: t0, Timeout: time.Minute, NextAttemptAt: at(time.Hour)}, nil},
		{"dispatched: timeout from dispatch", Execution{ExecutionStatus: ExecStarting, TriggerTime: t0, DispatchedAt: at(time.Hour), Timeout: time.Minute}, at(61 * time.Minute)},
		{"stopping: grace", Execution{ExecutionStatus: ExecStopping, DispatchedAt: at(0), StopRequestedAt: at(0), Timeout: time.Hour}, at(10 * time.Second)},
		{"final: none", Execution{ExecutionStatus: ExecSuccess}, nil},
	}
	for _, c := range cases {
		got, ok := ExecutionDeadline(&c.e, 10*time.Second)
		if (c.want == nil) == ok || (ok && !got.Equal(*c.want)) {
			t.Errorf("%s: got %v %v, want %v", c.name, got, ok, c.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.0.0", "1.0.0", 0}, {"1.2", "1.10", -1}, {"2.0", "1.99.9", 1}, {"1.0", "1.0.0", 0}, {"1.0.beta", "1.0.0", -1},
	}
	for _, c := range cases {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
