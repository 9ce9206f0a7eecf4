package enginelink

import (
	"context"
	"sync"
	"time"
)

// recheckInterval is how often every work watcher looks at the replica
// without a change notice (a snapshot restore swaps the store under its
// watches, which then never fire).
const recheckInterval = 5 * time.Second

// recheck wakes every session's work watcher each recheckInterval with
// one channel closed for all of them, instead of a timer per session:
// with thousands of sessions, a timer each made the runtime's timer heap
// (adjusted on every quic-go timer reset) the largest CPU cost of the node.
type recheck struct {
	mu sync.Mutex
	ch chan struct{}
}

func newRecheck() *recheck { return &recheck{ch: make(chan struct{})} }

// next is closed at the next recheck.
func (r *recheck) next() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ch
}

// run closes the current channel every interval until ctx ends.
func (r *recheck) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		close(r.ch)
		r.ch = make(chan struct{})
		r.mu.Unlock()
	}
}
