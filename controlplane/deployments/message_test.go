package deployments

import (
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// The engine's health wait ends before the step's progress deadline, so
// a version that never turns healthy fails with the engine's reason, not
// with "deadline passed": the wait leaves out the health gate, the old
// instance's shutdown delay and a margin for its stop and the download.
func TestHealthTimeoutEndsBeforeTheStepDeadline(t *testing.T) {
	secs := func(n int) *int { return &n }
	for _, tc := range []struct {
		deadline, minHealthy int
		shutdown             *int
		want                 time.Duration
	}{
		{deadline: 10, minHealthy: 1, shutdown: secs(1), want: 6 * time.Second},                              // 10 - 1 - 1 - 2 (margin floor)
		{deadline: 300, minHealthy: 10, shutdown: nil, want: 258 * time.Second},                              // default delay 2, margin 30
		{deadline: 60, minHealthy: 5, shutdown: secs(0), want: 49 * time.Second},                             // margin 6
		{deadline: 3, minHealthy: 2, shutdown: secs(5), want: time.Second},                                   // never below 1 s
		{deadline: 20, minHealthy: state.DefaultMinHealthySeconds, shutdown: secs(2), want: 6 * time.Second}, // 20 - 10 - 2 - 2
	} {
		rc := &state.RunConfig{ServiceConfig: state.ServiceConfig{ProgressDeadlineSeconds: tc.deadline,
			MinHealthySeconds: tc.minHealthy, ShutdownDelaySeconds: tc.shutdown}}
		if got := healthTimeout(rc); got != tc.want {
			t.Errorf("deadline %d s, health gate %d s, shutdown %v: health wait %s, want %s", tc.deadline, tc.minHealthy, tc.shutdown, got, tc.want)
		}
	}
}
