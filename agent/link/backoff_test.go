package link

import (
	"testing"
	"time"
)

func TestBackoffIsJitteredAndCapped(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: time.Second}
	seen := map[time.Duration]bool{}
	for i := range 50 {
		d := b.next()
		if d < 50*time.Millisecond || d > time.Second {
			t.Fatalf("attempt %d waited %s, outside [50ms, 1s]", i, d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Fatal("back-off is not jittered")
	}
	b.reset()
	if d := b.next(); d > 100*time.Millisecond {
		t.Fatalf("after reset waited %s", d)
	}
}
