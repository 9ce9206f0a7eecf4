package schedulefire

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/schedule"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Service is the scheduler of one control-plane node.
type Service struct {
	cfg   Config
	store api.Store
	zones *schedule.Zones
}

// New returns a scheduler over the replicated state.
func New(cfg Config, store api.Store) *Service {
	return &Service{cfg: cfg.WithDefaults(), store: store, zones: schedule.NewZones()}
}

// Loop is the leader-only scheduler: register it with
// cluster.Node.OnLeadership. It returns when ctx ends (leadership lost).
func (s *Service) Loop(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.run(ctx)
		if ctx.Err() != nil {
			return
		}
		s.cfg.Logger.Warn("scheduler restarts from the replicated state", "err", err)
		select {
		case <-ctx.Done():
		case <-s.cfg.Clock.At(s.cfg.Clock.Now().Add(100 * time.Millisecond)):
		}
	}
}

// armed is what the planner holds of one schedule row.
type armed struct {
	row  *state.Schedule
	keys []schedule.TriggerKey
}

// run plans from a fresh Planner until a write fails: the planner may
// then be ahead of the committed state, so it is rebuilt.
func (s *Service) run(ctx context.Context) error {
	planner, err := schedule.NewPlanner(schedule.Config{MisfireGrace: s.cfg.MisfireGrace})
	if err != nil {
		return err
	}
	seen := map[string]armed{}
	for {
		txn := s.store.Read()
		rows, schedCh := state.WatchSchedules(txn)
		hooks, hookCh := state.WatchWebhooks(txn)
		s.sync(planner, seen, rows)
		now := s.cfg.Clock.Now()
		if err := s.fireAll(ctx, planner.Due(now)); err != nil {
			return err
		}
		wake, hasWake := planner.NextWake()
		for _, h := range hooks {
			dl, ok := h.Batch.Deadline(h.Window)
			if !ok {
				continue
			}
			if !dl.After(now) {
				if err := s.expire(ctx, h); err != nil {
					return err
				}
				continue
			}
			if !hasWake || dl.Before(wake) {
				wake, hasWake = dl, true
			}
		}
		sleep := s.cfg.MaxSleep
		if hasWake && wake.Sub(now) < sleep {
			sleep = max(wake.Sub(now), 0)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-schedCh:
		case <-hookCh:
		case <-s.cfg.Clock.At(now.Add(sleep)):
		}
	}
}

// sync arms the triggers of changed schedule rows (rows are immutable, so
// a changed row is a new pointer) and disarms those of deleted ones.
func (s *Service) sync(p *schedule.Planner, seen map[string]armed, rows []*state.Schedule) {
	present := make(map[string]bool, len(rows))
	for _, row := range rows {
		present[row.ID] = true
		if a, ok := seen[row.ID]; ok && a.row == row {
			continue
		}
		for _, k := range seen[row.ID].keys {
			p.Remove(k)
		}
		seen[row.ID] = armed{row: row, keys: s.arm(p, row)}
	}
	for id, a := range seen {
		if !present[id] {
			for _, k := range a.keys {
				p.Remove(k)
			}
			delete(seen, id)
		}
	}
}

func (s *Service) arm(p *schedule.Planner, row *state.Schedule) []schedule.TriggerKey {
	owner := schedule.Owner{Kind: schedule.OwnerKind(row.OwnerKind), ID: row.OwnerID}
	var keys []schedule.TriggerKey
	for i, t := range row.Triggers {
		if t.Type == schedule.Webhook {
			continue
		}
		c, err := schedule.Compile(i, t, s.zones)
		if err != nil { // validated when saved; a zone database change could break it
			s.cfg.Logger.Warn("trigger no longer compiles", "owner", row.ID, "trigger", t.ID, "err", err)
			continue
		}
		key := schedule.TriggerKey{Owner: owner, Trigger: t.ID}
		p.Put(schedule.Entry{Key: key, Trigger: c, Timeout: t.Timeout, Since: row.Since, LastFire: row.LastFires[t.ID]})
		keys = append(keys, key)
	}
	return keys
}

// fireAll records due fires in batches of FireBatch per raft entry,
// FireWorkers batches at a time: thousands of fires due in the same
// minute are then a few dozen raft writes, not one disk sync each.
func (s *Service) fireAll(ctx context.Context, fires []schedule.Fire) error {
	var batches [][]schedule.Fire
	for len(fires) > 0 {
		n := min(len(fires), s.cfg.FireBatch)
		batches, fires = append(batches, fires[:n]), fires[n:]
	}
	if len(batches) == 0 {
		return nil
	}
	work := make(chan []schedule.Fire)
	errs := make(chan error, s.cfg.FireWorkers)
	var wg sync.WaitGroup
	for range min(s.cfg.FireWorkers, len(batches)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for b := range work {
				if first == nil {
					first = s.fireBatch(ctx, b)
				}
			}
			errs <- first
		}()
	}
	for _, b := range batches {
		work <- b
	}
	close(work)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// fireBatch records fires and starts their runs in one raft command. A
// fire already recorded (by an earlier leader) or whose schedule is gone
// is skipped by the handler: the idempotence working, not an error.
func (s *Service) fireBatch(ctx context.Context, fires []schedule.Fire) error {
	var req state.ScheduleFireBatchRequest
	for _, f := range fires {
		one := state.ScheduleFireRequest{OwnerKind: string(f.Key.Owner.Kind), OwnerID: f.Key.Owner.ID, ExecutionID: state.NewUUID(),
			Run: s.cfg.Limits(), TimeoutMinutes: timeoutMinutes(f.Timeout)}
		for _, part := range append([]schedule.Fire{f}, f.Coalesced...) {
			one.Marks = append(one.Marks, state.FireMark{TriggerID: part.Key.Trigger, Planned: part.Planned, Mark: part.Mark, Misfired: part.Misfired})
		}
		req.Fires = append(req.Fires, one)
	}
	cmd, err := cluster.NewCommand(state.CmdScheduleFireBatch, cluster.Meta{Time: s.cfg.Clock.Now()}, req)
	if err != nil {
		return err
	}
	// Fires are idempotent by their marks: no row in the dedupe table.
	cmd.ID = ""
	var out state.FireBatchResult
	if _, err := s.store.Apply(ctx, cmd, &out); err != nil {
		return fmt.Errorf("record %d fires: %w", len(fires), err)
	}
	for i, r := range out.Results {
		s.cfg.Logger.Debug("trigger fired", "owner", fires[i].Key.Owner.ID, "trigger", fires[i].Key.Trigger, "planned", fires[i].Planned,
			"execution", r.ExecutionID, "refusal", r.Refusal, "skipped", r.Skipped)
	}
	return nil
}

// timeoutMinutes turns a trigger timeout into the run's timeout: 0 keeps
// the task's ("Trigger timeout overrides task timeout").
func timeoutMinutes(t *schedule.TriggerTimeout) int {
	switch {
	case t == nil || t.Mode == schedule.SameAsTask:
		return 0
	case t.Mode == schedule.NoTimeout:
		return state.NoTimeoutMinutes
	}
	return t.Minutes
}

func (s *Service) expire(ctx context.Context, h *state.Webhook) error {
	cmd, err := cluster.NewCommand(state.CmdWebhookExpire, cluster.Meta{Time: s.cfg.Clock.Now()},
		state.WebhookExpireRequest{Hash: h.ID, ExecutionID: state.NewUUID(), Limits: s.cfg.Limits()})
	if err != nil {
		return err
	}
	if _, err := s.store.Apply(ctx, cmd, nil); err != nil {
		if _, ok := cluster.AsRejection(err); ok {
			return nil
		}
		return errors.Join(errors.New("close webhook window"), err)
	}
	return nil
}
