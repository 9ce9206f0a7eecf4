package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// LeaderLoop runs while this node leads. Its context is cancelled the
// moment leadership is lost (or the node shuts down); it must then return.
// Whatever it decides must be written through Apply, so that the next
// leader resumes from the replicated state.
type LeaderLoop func(ctx context.Context)

type leaderLoops struct {
	n       *Node
	mu      sync.Mutex
	loops   map[string]LeaderLoop
	order   []string
	leading atomic.Bool // leadership established and barrier passed
}

func newLeaderLoops(n *Node) *leaderLoops {
	return &leaderLoops{n: n, loops: map[string]LeaderLoop{}}
}

// OnLeadership registers a loop by name; register before Start.
func (n *Node) OnLeadership(name string, loop LeaderLoop) {
	n.loops.mu.Lock()
	defer n.loops.mu.Unlock()
	if _, dup := n.loops.loops[name]; !dup {
		n.loops.order = append(n.loops.order, name)
	}
	n.loops.loops[name] = loop
}

func (l *leaderLoops) ready() bool { return l.leading.Load() }

// watch follows raft's leadership notifications until ctx ends.
func (l *leaderLoops) watch(ctx context.Context) {
	var stop func()
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case isLeader := <-l.n.raft.LeaderCh():
			if stop != nil {
				stop()
				stop = nil
			}
			if isLeader {
				stop = l.start(ctx)
			}
		}
	}
}

// start runs every loop after a barrier, so loops see all entries of
// earlier terms, and returns a func that cancels them and waits.
func (l *leaderLoops) start(parent context.Context) func() {
	ctx, cancel := context.WithCancel(parent)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := l.barrier(ctx); err != nil {
			l.n.cfg.Logger.Warn("leader barrier failed; loops not started", "err", err)
			return
		}
		l.leading.Store(true)
		l.n.cfg.Logger.Info("leadership gained", "node", l.n.ID())
		l.mu.Lock()
		names := append([]string(nil), l.order...)
		l.mu.Unlock()
		for _, name := range names {
			l.mu.Lock()
			loop := l.loops[name]
			l.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				loop(ctx)
			}()
		}
	}()
	return func() {
		l.leading.Store(false)
		cancel()
		wg.Wait()
		l.n.cfg.Logger.Info("leadership lost", "node", l.n.ID())
	}
}

// barrier waits for a raft barrier or for ctx to end, whichever is first.
// Raft never answers a barrier that was queued just before it shut down,
// so waiting on the future alone could hold Shutdown for ever; the
// goroutine reading the future ends when raft answers it, or with the
// process when raft never does.
func (l *leaderLoops) barrier(ctx context.Context) error {
	f := l.n.raft.Barrier(l.n.cfg.ApplyTimeout)
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("barrier abandoned: %w", ctx.Err())
	}
}
