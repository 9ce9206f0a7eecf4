package jobs

import (
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/runtime"
)

func TestFinalStatusMapsRuntimeResultsToExecutionStatuses(t *testing.T) {
	tests := []struct {
		res     runtime.Result
		want    string
		message string
	}{
		{runtime.Result{Status: runtime.StatusSucceeded}, protocol.ExecSuccess, ""},
		{runtime.Result{Status: runtime.StatusTimeout}, protocol.ExecTerminatedTimeout, "timeout"},
		{runtime.Result{Status: runtime.StatusStopped}, protocol.ExecTerminated, "stopped"},
		{runtime.Result{Status: runtime.StatusMemoryLimit}, protocol.ExecFailed, "memory limit"},
		{runtime.Result{Status: runtime.StatusFailed, ExitCode: 3}, protocol.ExecFailed, "exit code 3"},
		{runtime.Result{Status: runtime.StatusStartFailed, ExitCode: -1, Error: "bad entrypoint"}, protocol.ExecFailed, "bad entrypoint"},
		{runtime.Result{Status: runtime.StatusLost, Error: "gone"}, protocol.ExecFailed, "lost"},
	}
	for _, tt := range tests {
		t.Run(string(tt.res.Status), func(t *testing.T) {
			got := finalStatus(tt.res)
			if got.Status != tt.want || !strings.Contains(got.Message, tt.message) {
				t.Fatalf("got %s %q, want %s containing %q", got.Status, got.Message, tt.want, tt.message)
			}
		})
	}
}

func TestLedgerSurvivesARestartAndNamesAreShort(t *testing.T) {
	dir := t.TempDir()
	l, err := openLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	const exec = "cb0ccb61-e1e0-48f1-bee5-7d74a5f250a7"
	if err := l.add(exec, 2); err != nil {
		t.Fatal(err)
	}
	wid := workloadID(exec, 2)
	if len(wid) > 24 || wid == workloadID(exec, 1) {
		t.Fatalf("workload name %q: want short and distinct per attempt", wid)
	}
	again, err := openLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ref, ok := again.get(wid); !ok || ref.ExecutionID != exec || ref.Attempt != 2 {
		t.Fatalf("after reopening: %+v %v", ref, ok)
	}
	again.remove(wid)
	if third, _ := openLedger(dir); len(third.m) != 0 {
		t.Fatalf("removed entry came back: %v", third.m)
	}
}

func TestLogShipperDropsRepeatedLinesAndKeepsThemWithoutASession(t *testing.T) {
	refs := map[string]attemptRef{"w1": {ExecutionID: "e1", Attempt: 1}}
	s := newLogShipper(func() *link.Session { return nil }, func(w string) (attemptRef, bool) { r, ok := refs[w]; return r, ok })
	for _, seq := range []uint64{0, 1, 1, 0, 2} { // a reattach replays lines 0 and 1
		s.add("w1", plugins.LogLine{Seq: seq, Time: time.Now(), Stream: "stdout", Text: "line"})
	}
	s.add("unknown", plugins.LogLine{Text: "not an execution"})
	s.add("w1", plugins.LogLine{Seq: 3, Stream: "stderr", Text: "oops"})
	s.flushAll() // no session: nothing is lost
	b := s.bufs["e1"]
	if len(b.lines) != 4 || b.lines[3].Severity != "ERROR" || len(s.bufs) != 1 {
		t.Fatalf("buffered %+v", b.lines)
	}
}

// Lines stay until acknowledged: a new session sends again what the last
// one sent without an acknowledgement, and an acknowledgement drops the
// lines up to it. They go out numbered from 1.
func TestLogShipperKeepsLinesUntilAcknowledged(t *testing.T) {
	refs := map[string]attemptRef{"w1": {ExecutionID: "e1", Attempt: 2}}
	s := newLogShipper(func() *link.Session { return nil }, func(w string) (attemptRef, bool) { r, ok := refs[w]; return r, ok })
	for seq := range uint64(5) {
		s.add("w1", plugins.LogLine{Seq: seq, Text: "line"})
	}
	b := s.bufs["e1"]
	b.sent, b.unsent = 5, 0 // as if flushed on a session that then broke
	s.acked("e1", 1, 5)     // another attempt's acknowledgement: ignored
	s.acked("e1", 2, 3)
	if len(b.lines) != 2 || b.lines[0].Seq != 4 || b.sent != 2 {
		t.Fatalf("after the ack of line 3: %+v sent %d", b.lines, b.sent)
	}
	s.rewind()
	if b.sent != 0 || b.unsent != b.bytes {
		t.Fatalf("a new session would not resend the unacknowledged lines: sent %d unsent %d of %d", b.sent, b.unsent, b.bytes)
	}
}

// The acknowledged log position survives a restart with the ledger, and
// goes with the entry.
func TestLedgerKeepsTheAcknowledgedLogPosition(t *testing.T) {
	dir := t.TempDir()
	l, _ := openLedger(dir)
	_ = l.add("e1", 1)
	wid := workloadID("e1", 1)
	l.ackLogs(wid, 7)
	l.ackLogs(wid, 5) // late: no regression
	l.ackLogs(workloadID("unknown", 1), 9)
	again, _ := openLedger(dir)
	if from, ok := again.logFrom(wid); !ok || from != 7 {
		t.Fatalf("log position after reopening: %d %v, want 7", from, ok)
	}
	if _, ok := again.logFrom(workloadID("unknown", 1)); ok {
		t.Fatal("a position was claimed for a workload that is no execution")
	}
	_ = again.add("e2", 1)
	if from, ok := again.logFrom(workloadID("e2", 1)); !ok || from != 0 {
		t.Fatalf("an execution with nothing acknowledged: %d %v, want its log from the start", from, ok)
	}
	again.remove(wid)
	if third, _ := openLedger(dir); len(third.logs) != 0 {
		t.Fatalf("position outlived its entry: %v", third.logs)
	}
}
