package state

import (
	"strings"
	"testing"
	"time"
)

func TestFailRollout(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	base := func(strategy string, batch int, rollback bool, prev string) *Rollout {
		return &Rollout{Strategy: strategy, TargetVersion: "2.0", PreviousVersion: prev, Engines: []string{"a", "b", "c"},
			Phase: PhaseForward, Batch: batch, Status: RolloutInProgress, Rollback: rollback}
	}
	cases := []struct {
		name      string
		r         *Rollout
		status    string
		phase     string
		rollbacks []string
	}{
		{"no rollback asked: stop", base(StrategyRolling, 1, false, "1.0"), RolloutFailed, PhaseForward, nil},
		{"nothing to go back to: stop", base(StrategyRolling, 1, true, ""), RolloutFailed, PhaseForward, nil},
		{"rolling: finished engines and the failed one go back", base(StrategyRolling, 1, true, "1.0"), RolloutInProgress, PhaseRollback, []string{"a", "b"}},
		{"rolling: first engine failed", base(StrategyRolling, 0, true, "1.0"), RolloutInProgress, PhaseRollback, []string{"a"}},
		{"parallel: every engine goes back", base(StrategyParallel, 0, true, "1.0"), RolloutInProgress, PhaseRollback, []string{"a", "b", "c"}},
		{"a failing rollback stops", func() *Rollout {
			r := base(StrategyRolling, 0, true, "1.0")
			r.Phase, r.RollbackEngines = PhaseRollback, []string{"a"}
			return r
		}(), RolloutFailed, PhaseRollback, []string{"a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failRollout(c.r, "boom", now)
			if c.r.Status != c.status || c.r.Phase != c.phase || strings.Join(c.r.RollbackEngines, ",") != strings.Join(c.rollbacks, ",") {
				t.Fatalf("got %s %s %v, want %s %s %v", c.r.Status, c.r.Phase, c.r.RollbackEngines, c.status, c.phase, c.rollbacks)
			}
			if !strings.Contains(c.r.Message, "boom") {
				t.Fatalf("message %q lacks the reason", c.r.Message)
			}
			if c.phase == PhaseRollback && c.status == RolloutInProgress && (c.r.Batch != 0 || c.r.Version() != "1.0" || !c.r.StepStarted.Equal(now)) {
				t.Fatalf("rollback not restarted: %+v", c.r)
			}
		})
	}
}
