package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/bench/enginesim"
)

// failoverResult is one leader kill -9 under the engines' load, timed
// from the SIGKILL.
type failoverResult struct {
	killed                string
	sessionsOnKilled      int64
	downBefore            int
	newLeader, firstWrite time.Duration
	reconnect             time.Duration // until every engine has a session on a survivor
	reconnected           bool
	watched               time.Duration
	falseDown             int   // most engines seen NOT_AVAILABLE at once while watching, beyond downBefore
	unanswered            int64 // heartbeats without an ack (the engine then failed over)
}

// failover kills the leader and measures: a new leader, the first write
// it acknowledges, every engine of the killed node reconnected to a
// survivor, and no engine marked NOT_AVAILABLE for watch afterwards.
func failover(ctx context.Context, c *cluster, s *enginesim.Sim, engines int, watch time.Duration) (failoverResult, error) {
	var r failoverResult
	leader, err := c.leader(ctx, 20*time.Second)
	if err != nil {
		return r, err
	}
	idx := 0
	var survivors []*node
	for i, n := range c.nodes {
		if n == leader {
			idx = i
		} else if n.alive() {
			survivors = append(survivors, n)
		}
	}
	r.killed, r.sessionsOnKilled = leader.ID, s.ConnectedTo(idx)
	r.downBefore = c.notAvailable(ctx, survivors[0])
	unanswered := s.Failed()
	t0 := time.Now()
	leader.kill()
	// Watched from the kill on: a false alarm may come at any time (a
	// re-armed deadline expires a full timeout after the new leader arms).
	var watcher sync.WaitGroup
	watcher.Go(func() {
		for time.Since(t0) < watch && ctx.Err() == nil {
			for _, n := range survivors {
				r.falseDown = max(r.falseDown, c.notAvailable(ctx, n)-r.downBefore)
			}
			time.Sleep(2 * time.Second)
		}
		r.watched = time.Since(t0)
	})
	r.newLeader, r.firstWrite, err = c.timeWrites(ctx, survivors, leader.ID, t0)
	if err != nil {
		watcher.Wait()
		return r, err
	}
	r.reconnected = benchkit.WaitUntil(ctx, "reconnection", 5*time.Minute, func() bool {
		return s.ConnectedTo(idx) == 0 && s.Connected() == int64(engines)
	}) == nil
	r.reconnect = time.Since(t0)
	watcher.Wait()
	r.unanswered = s.Failed() - unanswered
	return r, nil
}

// notAvailable counts engines NOT_AVAILABLE in n's replica (-1: unknown).
func (c *cluster) notAvailable(ctx context.Context, n *node) int {
	var list []struct{}
	if err := c.get(ctx, n, "/processing/runtimes/remote-engines?availability=NOT_AVAILABLE", &list); err != nil {
		return -1
	}
	return len(list)
}

// timeWrites retries a write on every survivor every 20 ms and polls
// their /health: it returns when a new leader is named and a write is
// acknowledged, both measured from t0.
func (c *cluster) timeWrites(ctx context.Context, survivors []*node, killed string, t0 time.Time) (newLeader, firstWrite time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, n := range survivors {
		wg.Go(func() {
			for try := 0; ctx.Err() == nil; try++ {
				wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
				_, err := c.do(wctx, n, "POST", "/orchestration/environments", map[string]string{"name": fmt.Sprintf("failover-%d-%d", i, try)}, nil)
				wcancel()
				if err == nil {
					mu.Lock()
					if firstWrite == 0 {
						firstWrite = time.Since(t0)
					}
					mu.Unlock()
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
		wg.Go(func() {
			for ctx.Err() == nil {
				var h health
				if c.get(ctx, n, "/health", &h) == nil && h.Leader != "" && h.Leader != killed {
					mu.Lock()
					if newLeader == 0 {
						newLeader = time.Since(t0)
					}
					mu.Unlock()
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if firstWrite == 0 || newLeader == 0 {
		return newLeader, firstWrite, fmt.Errorf("no new leader serving writes within 30 s of killing %s", killed)
	}
	return newLeader, firstWrite, nil
}
