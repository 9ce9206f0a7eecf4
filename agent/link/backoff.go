package link

import (
	"math/rand/v2"
	"time"
)

// backoff is capped exponential back-off with full jitter: after a node
// restart thousands of agents spread their reconnects instead of
// overflowing the server's accept queue together.
type backoff struct {
	min, max time.Duration
	attempt  int
}

// next returns the wait before the next attempt, uniformly drawn in
// [min/2, min·2^attempt] capped at max.
func (b *backoff) next() time.Duration {
	ceil := b.min << min(b.attempt, 20)
	if ceil > b.max || ceil <= 0 {
		ceil = b.max
	}
	b.attempt++
	lo := b.min / 2
	return lo + rand.N(ceil-lo+1)
}

func (b *backoff) reset() { b.attempt = 0 }
