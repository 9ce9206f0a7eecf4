package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
)

// failoverRun is one leader kill: when a survivor first named a new
// leader, and when a write sent to the survivors was first acknowledged,
// both measured from the SIGKILL.
type failoverRun struct {
	newLeader, firstWrite time.Duration
}

// failover kills the leader of nodes runs times, as Nomad's baseline did:
// kill -9, writers retry POSTs on both survivors while a watcher polls
// /health, then the killed node restarts from its data dir and the
// cluster settles before the next round.
func failover(ctx context.Context, nodes []*node, runs int, settle time.Duration) ([]failoverRun, error) {
	var out []failoverRun
	for round := range runs {
		leader, err := agreedLeader(ctx, nodes, 20*time.Second)
		if err != nil {
			return out, fmt.Errorf("round %d: %w", round+1, err)
		}
		var survivors []*node
		for _, n := range nodes {
			if n != leader {
				survivors = append(survivors, n)
			}
		}
		r, err := killLeader(ctx, leader, survivors, round)
		if err != nil {
			return out, fmt.Errorf("round %d: %w", round+1, errors.Join(err, survivors[0].logTail(), survivors[1].logTail()))
		}
		out = append(out, r)
		if err := leader.restart(); err != nil {
			return out, err
		}
		if err := rejoined(ctx, nodes, leader, round); err != nil {
			return out, fmt.Errorf("round %d: %w", round+1, err)
		}
		select { // settle, as the Nomad rounds waited before the next kill
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(settle):
		}
	}
	return out, nil
}

func killLeader(ctx context.Context, leader *node, survivors []*node, round int) (failoverRun, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c := newClient(len(survivors))
	defer c.close()
	writersCtx, stopWriters := context.WithCancel(ctx)
	defer stopWriters()
	var r failoverRun
	var mu sync.Mutex
	var wg sync.WaitGroup
	go0 := make(chan struct{})
	var t0 time.Time
	for i, s := range survivors {
		wg.Add(1)
		go func() { // writer: retry every 20 ms until one write is acknowledged
			defer wg.Done()
			<-go0
			for try := 0; writersCtx.Err() == nil; try++ {
				wctx, wcancel := context.WithTimeout(writersCtx, 5*time.Second)
				err := c.createEnvironment(wctx, s.HTTPAddr, fmt.Sprintf("failover-%d-%d-%d", round, i, try))
				wcancel()
				if err == nil {
					mu.Lock()
					if r.firstWrite == 0 {
						r.firstWrite = time.Since(t0)
					}
					mu.Unlock()
					stopWriters() // one acknowledged write ends the round
					return
				}
				sleepCtx(writersCtx, 20*time.Millisecond)
			}
		}()
	}
	wg.Add(1)
	go func() { // watcher: poll the survivors' /health every 10 ms
		defer wg.Done()
		<-go0
		for ctx.Err() == nil {
			for _, s := range survivors {
				if h, err := s.health(ctx); err == nil && h.Leader != "" && h.Leader != leader.ID {
					mu.Lock()
					if r.newLeader == 0 {
						r.newLeader = time.Since(t0)
					}
					mu.Unlock()
					return
				}
			}
			sleepCtx(ctx, 10*time.Millisecond)
		}
	}()
	t0 = time.Now()
	leader.kill()
	close(go0)
	wg.Wait()
	if r.firstWrite == 0 {
		return r, fmt.Errorf("no write accepted within 30 s after killing leader %s", leader.ID)
	}
	if r.newLeader == 0 {
		return r, fmt.Errorf("no survivor named a new leader within 30 s after killing %s", leader.ID)
	}
	return r, nil
}

// rejoined waits until every node agrees on a leader and a write through
// the restarted node is acknowledged (it caught up and forwards again).
func rejoined(ctx context.Context, nodes []*node, restarted *node, round int) error {
	if _, err := agreedLeader(ctx, nodes, 30*time.Second); err != nil {
		return err
	}
	c := newClient(1)
	defer c.close()
	try := 0
	return benchkit.WaitUntil(ctx, restarted.ID+" to accept writes after restart", 30*time.Second, func() bool {
		try++
		return c.createEnvironment(ctx, restarted.HTTPAddr, fmt.Sprintf("rejoin-%d-%d", round, try)) == nil
	})
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
