package engines

import (
	"testing"
	"time"
)

func TestMetricsGateLetsOneRecordPerInterval(t *testing.T) {
	var g metricsGate
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		id   string
		at   time.Duration
		want bool
	}{
		{"d1", 0, true},
		{"d1", 10 * time.Second, false},
		{"d2", 10 * time.Second, true}, // per deployment
		{"d1", 29 * time.Second, false},
		{"d1", 30 * time.Second, true},
		{"d1", 31 * time.Second, false},
	}
	for i, s := range steps {
		if got := g.allow(s.id, t0.Add(s.at), 30*time.Second); got != s.want {
			t.Fatalf("step %d (%s at %s): allow = %v, want %v", i, s.id, s.at, got, s.want)
		}
	}
}
