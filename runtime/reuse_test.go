//go:build linux

package runtime

import (
	"context"
	"os"
	"testing"
	"time"
)

// Pool plugins serve job after job; nothing of one job — its limits, its
// leftover processes — may reach the next, also when a job with the same
// limits skips writing them again.
func TestPluginReuseCarriesNothingOver(t *testing.T) {
	s, _ := newTestSupervisor(t, func(c *Config) { c.WarmPlugins, c.MaxConcurrentJobs = 1, 1 })
	mark := marker()
	limited := Spec{Entrypoint: []string{"sh", "-c", os.Args[0] + " rh-sleep " + mark + " & echo started"}, Limits: Limits{MemoryMB: 64}}
	hungry := Spec{Entrypoint: self("rh-alloc", "200")} // needs more than 64 MB
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pids := map[int]int{}
	// Twice the same limits in a row (not written again), then others.
	for i, spec := range []Spec{limited, limited, hungry, hungry, limited, hungry} {
		spec.ID = "reuse" + string(rune('a'+i))
		h, err := s.StartJob(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		pids[h.Info().PluginPid]++
		r, err := h.Wait(ctx)
		if err != nil || r.Status != StatusSucceeded {
			t.Fatalf("job %d: %+v %v", i, r, err)
		}
		if left := procsWith(mark); len(left) != 0 {
			t.Fatalf("job %d left %v running after its result", i, left)
		}
	}
	if len(pids) == 6 {
		t.Fatal("no plugin process served more than one job")
	}
	t.Logf("6 jobs ran in %d plugin processes", len(pids))
}
