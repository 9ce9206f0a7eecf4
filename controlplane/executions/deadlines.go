package executions

import (
	"context"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Deadlines is the leader loop ending executions whose deadline passed
// (state.ExecutionDeadline): timeouts, stops the engine never confirmed,
// and queued executions no engine took. It sleeps until the earliest
// deadline or a change of the unfinished executions.
func (s *Service) Deadlines(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, s.cfg.MaxInflight)
	var mu sync.Mutex
	inflight := map[string]bool{}
	for {
		active, watch := state.WatchActiveExecutions(s.store.Read())
		now := time.Now()
		next := now.Add(s.cfg.Rescan)
		for _, e := range active {
			deadline, ok := state.ExecutionDeadline(e, s.cfg.StopGrace)
			if !ok {
				continue
			}
			if deadline.After(now) {
				if deadline.Before(next) {
					next = deadline
				}
				continue
			}
			mu.Lock()
			busy := inflight[e.ID]
			inflight[e.ID] = true
			mu.Unlock()
			if busy {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				defer func() {
					mu.Lock()
					delete(inflight, id)
					mu.Unlock()
					<-sem
				}()
				s.propose(ctx, state.CmdExecutionTimeout, state.ExecutionTimeoutRequest{ID: id, StopGrace: s.cfg.StopGrace})
			}(e.ID)
		}
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-watch:
		case <-timer.C:
		}
		timer.Stop()
	}
}
