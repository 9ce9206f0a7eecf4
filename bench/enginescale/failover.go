package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/bench/enginesim"
)

// killRound is one leader kill -9 under the engines' load, timed from the
// SIGKILL.
type killRound struct {
	killed                string
	at                    time.Time
	sessionsOnKilled      int64
	newLeader, firstWrite time.Duration
	reconnect             time.Duration // until every engine of the killed node has a session on a survivor
	reconnected           bool
	rejoined              time.Duration // the killed node restarted, following the leader and caught up
}

// failoverResult is every round, and what was watched across them.
type failoverResult struct {
	rounds     []killRound
	downBefore int
	notified   int // engines notified ENGINE_UNAVAILABLE from the first kill on (target 0)
	sampled    int // most engines newly NOT_AVAILABLE at once in the leader's replica, polled every 2 s
	watched    time.Duration
	unanswered int64 // heartbeats without an ack (the engine then failed over)
}

// failover runs rounds leader kills: kill -9 the leader, time the new
// leader and its first acknowledged write, wait until every engine of the
// killed node holds a session on a survivor, restart the killed node over
// its data dir and wait until it has caught up; then the next round. From
// the first kill until tail after the last one, it counts engines marked
// NOT_AVAILABLE (the target is none).
func failover(ctx context.Context, c *cluster, s *enginesim.Sim, engines, rounds int, tail time.Duration) (failoverResult, error) {
	var r failoverResult
	leader, err := c.leader(ctx, 20*time.Second)
	if err != nil {
		return r, err
	}
	r.downBefore = c.notAvailable(ctx, leader)
	w, err := c.watchDowns(ctx)
	if err != nil {
		return r, err
	}
	defer w.close()
	unanswered, start := s.Failed(), time.Now()
	wctx, stopPoll := context.WithCancel(ctx)
	polled := make(chan struct{})
	go func() { w.poll(wctx, c, r.downBefore); close(polled) }()
	defer func() { stopPoll(); <-polled }()
	var lastKill time.Time
	for i := range rounds {
		kr, err := killLeader(ctx, c, s, engines, i)
		if err != nil {
			return r, fmt.Errorf("round %d: %w", i+1, err)
		}
		lastKill = kr.at
		progress("round %d: %s killed, first write after %s, its engines on survivors after %s", i+1, kr.killed, kr.firstWrite, kr.reconnect.Round(time.Second))
		r.rounds = append(r.rounds, kr)
	}
	// The last leader re-armed every timer to a full timeout when it won:
	// a false alarm would come by then.
	select {
	case <-ctx.Done():
	case <-time.After(time.Until(lastKill.Add(tail))):
	}
	r.watched = time.Since(start)
	r.unanswered = s.Failed() - unanswered
	r.notified, r.sampled = w.counts()
	return r, nil
}

// killLeader is one round.
func killLeader(ctx context.Context, c *cluster, s *enginesim.Sim, engines, round int) (killRound, error) {
	var r killRound
	leader, err := c.leader(ctx, 60*time.Second)
	if err != nil {
		return r, err
	}
	idx := slices.Index(c.nodes, leader)
	var survivors []*node
	for _, n := range c.nodes {
		if n != leader {
			survivors = append(survivors, n)
		}
	}
	r.killed, r.sessionsOnKilled = leader.ID, s.ConnectedTo(idx)
	t0 := time.Now()
	r.at = t0
	leader.kill()
	r.newLeader, r.firstWrite, err = c.timeWrites(ctx, survivors, leader.ID, t0, round)
	if err != nil {
		return r, err
	}
	r.reconnected = benchkit.WaitUntil(ctx, "reconnection", 5*time.Minute, func() bool {
		return s.ConnectedTo(idx) == 0 && s.Connected() == int64(engines)
	}) == nil
	r.reconnect = time.Since(t0)
	if err := leader.restart(); err != nil {
		return r, err
	}
	if err := c.caughtUp(ctx, leader, 2*time.Minute); err != nil {
		return r, fmt.Errorf("node %s after its restart: %w (log: %s)", leader.ID, err, leader.logTail())
	}
	r.rejoined = time.Since(t0)
	return r, nil
}

// caughtUp waits until n follows the cluster's leader and its replica
// shows as many NOT_AVAILABLE engines as the leader's.
func (c *cluster) caughtUp(ctx context.Context, n *node, within time.Duration) error {
	return benchkit.WaitUntil(ctx, "rejoined and caught up", within, func() bool {
		l, err := c.leader(ctx, 5*time.Second)
		return err == nil && c.notAvailable(ctx, n) == c.notAvailable(ctx, l)
	})
}

// notAvailable counts engines NOT_AVAILABLE in n's replica (-1: unknown).
func (c *cluster) notAvailable(ctx context.Context, n *node) int {
	list, err := c.api(n).Engines().List(ctx, api.EngineFilter{Availability: api.EngineNotAvailable})
	if err != nil {
		return -1
	}
	return len(list)
}

// timeWrites retries a write on every survivor every 20 ms and polls
// their /health: it returns when a new leader is named and a write is
// acknowledged, both measured from t0.
func (c *cluster) timeWrites(ctx context.Context, survivors []*node, killed string, t0 time.Time, round int) (newLeader, firstWrite time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, n := range survivors {
		wg.Go(func() {
			for try := 0; ctx.Err() == nil; try++ {
				wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
				_, err := c.api(n).Environments().Create(wctx, api.EnvironmentCreate{Name: fmt.Sprintf("failover-%d-%d-%d", round, i, try)})
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
				if h, err := c.api(n).Health(ctx); err == nil && h.Leader != "" && h.Leader != killed {
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
