package executions

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Dispatch is the leader loop placing queued executions on engines. It
// wakes on every change of the unfinished executions, when a busy retry
// falls due, and every Rescan (engine availability changes outside its
// watch). Each placement is a command the state re-checks, so two
// leaders' decisions can never both apply to one execution.
func (s *Service) Dispatch(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, s.cfg.MaxInflight)
	done := make(chan string, s.cfg.MaxInflight)
	inflight := map[string]bool{}
	for {
		for drained := false; !drained; {
			select {
			case id := <-done:
				delete(inflight, id)
			default:
				drained = true
			}
		}
		active, watch := state.WatchActiveExecutions(s.store.Read())
		wake := s.placeAll(ctx, active, inflight, func(id, engine string) {
			inflight[id] = true
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					<-sem
					select {
					case done <- id:
					case <-ctx.Done():
					}
				}()
				s.propose(ctx, state.CmdExecutionAssign, state.ExecutionAssignRequest{ID: id, EngineID: engine,
					EngineCap: s.cfg.EngineConcurrency, RetryDelays: s.cfg.RetryDelays})
			}()
		})
		timer := time.NewTimer(min(time.Until(wake), s.cfg.Rescan))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-watch:
		case id := <-done:
			delete(inflight, id)
		case <-timer.C:
		}
		timer.Stop()
	}
}

// placeAll picks an engine for every queued execution that is due and
// returns when the next busy retry falls due.
func (s *Service) placeAll(ctx context.Context, active []*state.Execution, inflight map[string]bool, assign func(id, engine string)) time.Time {
	now := time.Now()
	wake := now.Add(time.Hour)
	load := map[string]int{}
	// A task that forbids parallel runs gets one assignment at a time, the
	// oldest first: assignments are proposed concurrently, so a younger
	// run placed beside an older one could be applied first, run, and
	// leave the older to the busy retries. Held: such tasks with an
	// assignment in flight or chosen in this pass.
	held := map[string]bool{}
	var queued []*state.Execution
	for _, e := range active {
		if inflight[e.ID] && !e.ParallelAllowed {
			held[e.TaskID] = true
		}
		switch {
		case e.EngineID != "":
			load[e.EngineID]++
		case e.ExecutionStatus != state.ExecEventReceived || inflight[e.ID]:
		case e.NextAttemptAt != nil && e.NextAttemptAt.After(now):
			if e.NextAttemptAt.Before(wake) {
				wake = *e.NextAttemptAt
			}
		default:
			queued = append(queued, e)
		}
	}
	txn := s.store.Read()
	byRuntime := map[string][]string{} // one directory look-up per runtime and pass
	key := func(e *state.Execution) string { return e.RuntimeType + "/" + e.RuntimeID + "/" + e.EnvironmentID }
	// Only what could be placed now is sorted: under a burst the engines
	// are mostly full and a pass ends here.
	due := queued[:0]
	room := map[string]bool{}
	for _, e := range queued {
		k := key(e)
		if _, ok := byRuntime[k]; !ok {
			byRuntime[k] = s.candidates(txn, e)
			room[k] = leastBusy(byRuntime[k], load, s.cfg.EngineConcurrency) != ""
		}
		if room[k] {
			due = append(due, e)
		}
	}
	// Oldest first, so a task's executions keep their order.
	sort.Slice(due, func(i, j int) bool { return due[i].TriggerTime.Before(due[j].TriggerTime) })
	for _, e := range due {
		if ctx.Err() != nil {
			break
		}
		if !e.ParallelAllowed && held[e.TaskID] {
			continue // the next pass, once the older one's assignment is applied
		}
		engine := leastBusy(byRuntime[key(e)], load, s.cfg.EngineConcurrency)
		if engine == "" {
			continue // none available now: the deadline loop ends it if none comes
		}
		if !e.ParallelAllowed {
			held[e.TaskID] = true
		}
		load[engine]++
		assign(e.ID, engine)
	}
	return wake
}

// candidates are the available engines of the execution's runtime that
// are still in its environment (an engine may have moved since the run
// config was set; it must never run another environment's work).
func (s *Service) candidates(txn state.Reader, e *state.Execution) []string {
	var out []string
	for _, id := range s.cfg.Engines.AvailableEngines(txn, e.RuntimeType, e.RuntimeID) {
		if info, ok := s.cfg.Engines.Runtime(txn, state.RuntimeEngine, id); ok && info.EnvironmentID == e.EnvironmentID {
			out = append(out, id)
		}
	}
	return out
}

// leastBusy returns the engine with the fewest executions under the cap
// (ties by ID, so placement is predictable), or "".
func leastBusy(engines []string, load map[string]int, limit int) string {
	best := ""
	for _, id := range engines {
		if load[id] >= limit {
			continue
		}
		if best == "" || load[id] < load[best] || (load[id] == load[best] && id < best) {
			best = id
		}
	}
	return best
}

// propose applies a system command; refusals are expected (the state
// changed meanwhile) and only failures are logged.
func (s *Service) propose(ctx context.Context, typ string, payload any) {
	cmd, err := stateIdempotent(typ, payload)
	if err == nil {
		_, err = s.store.Apply(ctx, cmd, nil)
	}
	if _, rejected := cluster.AsRejection(err); err != nil && !rejected && ctx.Err() == nil {
		s.cfg.Logger.Warn("execution command failed", "type", typ, "err", err)
	}
}

// stateIdempotent builds a system command that the state makes idempotent
// by itself (its handler re-checks the execution's status and attempt), so
// it goes without a command ID: a retry after a leader change is answered
// by the state, and the cluster's dedupe table (kept two minutes, about
// 1 KB a row) is spared three rows per execution.
func stateIdempotent(typ string, payload any) (cluster.Command, error) {
	cmd, err := cluster.NewCommand(typ, cluster.Meta{}, payload)
	cmd.ID = ""
	return cmd, err
}
