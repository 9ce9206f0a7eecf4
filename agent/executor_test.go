package agent

import (
	"strings"
	"testing"
	"time"

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
		{runtime.Result{Status: runtime.StatusTimeout}, protocol.ExecTerminatedTimout, "timeout"},
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
	s := newLogShipper(func() *workLink { return nil }, func(w string) (attemptRef, bool) { r, ok := refs[w]; return r, ok })
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
