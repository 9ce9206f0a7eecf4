package enginelink

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// sourceLimiter rate-limits pairing attempts per source IP. Idle entries
// are pruned on insert, so it needs no goroutine of its own.
type sourceLimiter struct {
	mu      sync.Mutex
	perMin  int
	burst   int
	entries map[string]*limiterEntry
}

type limiterEntry struct {
	lim  *rate.Limiter
	last time.Time
}

const limiterPruneAt = 4096

func newSourceLimiter(perMinute, burst int) *sourceLimiter {
	return &sourceLimiter{perMin: perMinute, burst: burst, entries: map[string]*limiterEntry{}}
}

// Allow reports whether one more attempt from source may proceed now.
func (l *sourceLimiter) Allow(source string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[source]
	if !ok {
		if len(l.entries) >= limiterPruneAt {
			l.prune(now)
		}
		e = &limiterEntry{lim: rate.NewLimiter(rate.Limit(float64(l.perMin)/60), l.burst)}
		l.entries[source] = e
	}
	e.last = now
	return e.lim.AllowN(now, 1)
}

// prune drops sources idle long enough for their bucket to be full again.
func (l *sourceLimiter) prune(now time.Time) {
	refill := time.Duration(float64(l.burst) / (float64(l.perMin) / 60) * float64(time.Second))
	for k, e := range l.entries {
		if now.Sub(e.last) > refill {
			delete(l.entries, k)
		}
	}
}
