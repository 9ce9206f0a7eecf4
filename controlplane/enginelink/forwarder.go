package enginelink

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Forwarder batches the heartbeats a follower receives and sends them to
// the leader's monitor every Interval: one call per batch, not per beat.
type Forwarder struct {
	send     func(ctx context.Context, engineIDs []string) error
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	pending map[string]struct{}
}

// NewForwarder returns a forwarder that delivers batches with send every
// interval (default 250 ms: a returning engine is AVAILABLE within it).
func NewForwarder(send func(ctx context.Context, engineIDs []string) error, interval time.Duration, log *slog.Logger) *Forwarder {
	if interval == 0 {
		interval = 250 * time.Millisecond
	}
	if log == nil {
		log = slog.Default()
	}
	return &Forwarder{send: send, interval: interval, log: log, pending: map[string]struct{}{}}
}

// Heartbeat queues engineID for the next batch.
func (f *Forwarder) Heartbeat(engineID string) {
	f.mu.Lock()
	f.pending[engineID] = struct{}{}
	f.mu.Unlock()
}

// Run sends batches until ctx ends. A failed batch is merged into the next.
func (f *Forwarder) Run(ctx context.Context) error {
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		batch := f.take()
		if len(batch) == 0 {
			continue
		}
		if err := f.send(ctx, batch); err != nil {
			f.log.Debug("forwarding heartbeats to the leader failed", "engines", len(batch), "err", err)
			for _, id := range batch {
				f.Heartbeat(id)
			}
		}
	}
}

func (f *Forwarder) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.pending))
	for id := range f.pending {
		out = append(out, id)
	}
	clear(f.pending)
	slices.Sort(out)
	return out
}

// Router sends heartbeats to the local monitor while this node leads and
// to the forwarder otherwise.
type Router struct {
	IsLeader func() bool
	Local    HeartbeatSink
	Remote   HeartbeatSink
}

// Heartbeat implements HeartbeatSink.
func (r Router) Heartbeat(engineID string) {
	if r.IsLeader() {
		r.Local.Heartbeat(engineID)
		return
	}
	r.Remote.Heartbeat(engineID)
}
