package enginelink

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// sourceLimiter rate-limits failed pairing attempts per source IP: a host
// pairing many engines with good keys is never slowed, a host guessing keys
// is. Idle entries are pruned on insert, so it needs no goroutine of its own.
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

// Allow reports whether source may make an attempt now (it has failures
// left in its budget).
func (l *sourceLimiter) Allow(source string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.entry(source, now).lim.TokensAt(now) >= 1
}

// Failed spends one failure of source's budget.
func (l *sourceLimiter) Failed(source string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entry(source, now).lim.AllowN(now, 1)
}

func (l *sourceLimiter) entry(source string, now time.Time) *limiterEntry {
	e, ok := l.entries[source]
	if !ok {
		if len(l.entries) >= limiterPruneAt {
			l.prune(now)
		}
		e = &limiterEntry{lim: rate.NewLimiter(rate.Limit(float64(l.perMin)/60), l.burst)}
		l.entries[source] = e
	}
	e.last = now
	return e
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
