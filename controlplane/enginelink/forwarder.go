package enginelink

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// Forwarder batches the heartbeats a follower receives and sends them to
// the leader's monitor every Interval: one call per batch, not per beat.
type Forwarder struct {
	send         func(ctx context.Context, b HeartbeatBatch) error
	interval     time.Duration
	summaryEvery time.Duration
	log          *slog.Logger

	mu      sync.Mutex
	pending map[string]struct{}
	sums    map[string]protocol.HostSummary // to send with the next batch
	sent    map[string]time.Time            // engine → when its last summary was queued
	pruned  time.Time                       // when sent was last pruned
}

// HeartbeatBatch is what a follower forwards: the engines heard since the
// last batch, and the host summaries of some of them.
type HeartbeatBatch struct {
	EngineIDs []string // sorted; every engine heard, summarised or not
	Summaries map[string]protocol.HostSummary
}

// NewForwarder returns a forwarder that delivers batches of engine IDs with
// send every interval (default 250 ms: a returning engine is AVAILABLE
// within it). It drops host summaries; see NewSummaryForwarder.
func NewForwarder(send func(ctx context.Context, engineIDs []string) error, interval time.Duration, log *slog.Logger) *Forwarder {
	return NewSummaryForwarder(func(ctx context.Context, b HeartbeatBatch) error { return send(ctx, b.EngineIDs) }, interval, 0, log)
}

// NewSummaryForwarder is NewForwarder whose batches also carry host
// summaries: an engine's first one, then at most one per summaryEvery (the
// leader writes them no more often; more would only grow the batches).
// summaryEvery 0 drops summaries.
func NewSummaryForwarder(send func(ctx context.Context, b HeartbeatBatch) error, interval, summaryEvery time.Duration, log *slog.Logger) *Forwarder {
	if interval == 0 {
		interval = 250 * time.Millisecond
	}
	if log == nil {
		log = slog.Default()
	}
	return &Forwarder{send: send, interval: interval, summaryEvery: summaryEvery, log: log, pending: map[string]struct{}{},
		sums: map[string]protocol.HostSummary{}, sent: map[string]time.Time{}, pruned: time.Now()}
}

// HostSummary implements SummarySink: it queues the summary if the
// engine's last one was queued at least summaryEvery ago.
func (f *Forwarder) HostSummary(engineID string, sum protocol.HostSummary) {
	if f.summaryEvery <= 0 {
		return
	}
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if at, ok := f.sent[engineID]; ok && now.Sub(at) < f.summaryEvery {
		return
	}
	f.sent[engineID] = now
	f.sums[engineID] = CleanSummary(sum)
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
		if len(batch.EngineIDs) == 0 {
			continue
		}
		if err := f.send(ctx, batch); err != nil {
			f.log.Debug("forwarding heartbeats to the leader failed", "engines", len(batch.EngineIDs), "err", err)
			f.requeue(batch)
		}
	}
}

func (f *Forwarder) take() HeartbeatBatch {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := HeartbeatBatch{EngineIDs: make([]string, 0, len(f.pending))}
	for id := range f.pending {
		out.EngineIDs = append(out.EngineIDs, id)
	}
	clear(f.pending)
	slices.Sort(out.EngineIDs)
	if len(f.sums) > 0 {
		out.Summaries, f.sums = f.sums, map[string]protocol.HostSummary{}
	}
	if now := time.Now(); f.summaryEvery > 0 && now.Sub(f.pruned) >= f.summaryEvery {
		// Engines gone from this node would otherwise stay for good.
		maps.DeleteFunc(f.sent, func(_ string, at time.Time) bool { return now.Sub(at) >= f.summaryEvery })
		f.pruned = now
	}
	return out
}

// requeue merges a batch that could not be sent into the next one; a
// newer summary queued meanwhile wins.
func (f *Forwarder) requeue(b HeartbeatBatch) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range b.EngineIDs {
		f.pending[id] = struct{}{}
	}
	for id, sum := range b.Summaries {
		if _, newer := f.sums[id]; !newer {
			f.sums[id] = sum
		}
	}
}

// Router sends heartbeats (and host summaries, to sinks that take them) to
// the local monitor while this node leads and to the forwarder otherwise.
type Router struct {
	IsLeader func() bool
	Local    HeartbeatSink
	Remote   HeartbeatSink
}

// HostSummary implements SummarySink.
func (r Router) HostSummary(engineID string, sum protocol.HostSummary) {
	to := r.Remote
	if r.IsLeader() {
		to = r.Local
	}
	if s, ok := to.(SummarySink); ok {
		s.HostSummary(engineID, sum)
	}
}

// Heartbeat implements HeartbeatSink.
func (r Router) Heartbeat(engineID string) {
	if r.IsLeader() {
		r.Local.Heartbeat(engineID)
		return
	}
	r.Remote.Heartbeat(engineID)
}
