package main

import (
	"context"
	"fmt"
	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/schedule"
	"github.com/roundhouse/roundhouse/controlplane/schedulefire"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const lagToken = "rhp_bench-schedule-token-0123456789abcdefghijklmno"

// jumpClock runs in real time from the instant it was last set to: the
// bench jumps it to just before a planned minute, then lets it run, so the
// lag measured is the scheduler's and raft's, not a wait for the minute.
type jumpClock struct {
	mu      sync.Mutex
	base    time.Time
	setAt   time.Time
	waiters []chan time.Time
}

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.setAt))
}

// At fires once the clock reaches t in real time, or at once when the
// clock jumps (the scheduler then recomputes its wait).
func (c *jumpClock) At(t time.Time) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.waiters = append(c.waiters, ch)
	d := t.Sub(c.base.Add(time.Since(c.setAt)))
	c.mu.Unlock()
	time.AfterFunc(d, func() { c.wake(ch) })
	return ch
}

func (c *jumpClock) wake(ch chan time.Time) {
	select {
	case ch <- time.Now():
	default:
	}
}

func (c *jumpClock) Set(t time.Time) {
	c.mu.Lock()
	c.base, c.setAt = t, time.Now()
	ws := c.waiters
	c.waiters = nil
	c.mu.Unlock()
	for _, ch := range ws {
		c.wake(ch)
	}
}

// lagRun arms one CRON trigger (`*/5 * * * ?`) on each of due tasks of a
// real single-node control plane, so all due fire in the same minute, and
// measures for each fire the time from its planned instant until its raft
// command (fire mark + execution record) is applied: the scheduler lag.
// Without withRuns the tasks have no run config, so each fire records the
// refusal instead of an execution (the scheduler's cost alone).
func lagRun(due, rounds int, withRuns bool) error {
	dir, err := os.MkdirTemp("", "bench-schedule-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	start := time.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	clock := &jumpClock{base: start.Add(-time.Hour), setAt: time.Now()}
	srv, stop, err := lagServer(dir, clock)
	if err != nil {
		return err
	}
	defer stop()
	node := srv.Node()
	owners, err := lagTasks(srv, due, clock.Now(), withRuns)
	if err != nil {
		return err
	}
	var lags []time.Duration
	for r := 0; r < rounds; r++ {
		planned := start.Add(time.Duration(r) * 5 * time.Minute)
		clock.Set(planned.Add(-50 * time.Millisecond))
		t0 := time.Now().Add(50 * time.Millisecond) // the planned instant in real time
		got, err := awaitFires(node, owners, r+1, t0, 2*time.Minute)
		if err != nil {
			return err
		}
		lags = append(lags, got...)
	}
	slices.Sort(lags)
	what := "fire + execution"
	if !withRuns {
		what = "fire (run refused: no run config)"
	}
	fmt.Printf("| scheduler lag: %d triggers due in the same minute × %d minutes, planned → %s committed (1 node, real raft) | median %s, p99 %s, max %s |\n",
		due, rounds, what, pct(lags, 50), pct(lags, 99), lags[len(lags)-1].Round(time.Microsecond))
	return nil
}

// awaitFires polls until every owner has n recorded fires, noting when
// each one's n-th fire became visible.
func awaitFires(node *cluster.Node, owners []string, n int, t0 time.Time, limit time.Duration) ([]time.Duration, error) {
	pending := slices.Clone(owners)
	var lags []time.Duration
	deadline := time.Now().Add(limit)
	for len(pending) > 0 {
		txn := node.Read()
		now := time.Now()
		keep := pending[:0]
		for _, id := range pending {
			if s := state.ScheduleOf(txn, state.OwnerTask, id); s != nil && len(s.RecentFires) >= n {
				lags = append(lags, max(now.Sub(t0), 0))
				continue
			}
			keep = append(keep, id)
		}
		pending = keep
		if now.After(deadline) {
			return nil, fmt.Errorf("%d fires of round %d not recorded within %s", len(pending), n, limit)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return lags, nil
}

func lagServer(dir string, clock *jumpClock) (*controlplane.Server, func(), error) {
	return benchkit.RunServer(controlplane.Config{DataDir: dir, BootstrapToken: lagToken,
		Scheduler: schedulefire.Config{Clock: clock}})
}

// lagTasks creates n configured tasks (over as many workspaces as the
// per-workspace cap needs), each with one `*/5` CRON trigger.
func lagTasks(srv *controlplane.Server, n int, now time.Time, withRuns bool) ([]string, error) {
	c := benchkit.NewClient(srv.Addr(), lagToken, http.DefaultClient)
	ctx := context.Background()
	var me *api.Caller
	var envs []api.Environment
	deadline := time.Now().Add(20 * time.Second)
	for {
		var err error
		if me, err = c.Me(ctx); err == nil {
			if envs, err = c.Environments().List(ctx, "default"); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("control plane not ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	node := srv.Node()
	var workspaces []string
	for i := 0; i*state.MaxTasksPerWorkspace < n; i++ {
		ws, err := c.Workspaces().Create(ctx, api.WorkspaceCreate{Name: fmt.Sprintf("bench%d", i), EnvironmentID: envs[0].ID, Owner: me.ID})
		if err != nil {
			return nil, err
		}
		workspaces = append(workspaces, ws.ID)
	}
	artID := state.NewObjectID()
	if err := apply(node, state.CmdArtifactPublish, state.ArtifactPublishRequest{ArtifactID: artID, Name: "bench", Type: state.ArtifactJob, WorkspaceID: workspaces[0],
		Version: state.ArtifactVersion{Version: "1.0.0", Digest: "sha256:00", Entrypoint: []string{"./run.sh"}, Parameters: map[string]string{}}}, nil); err != nil {
		return nil, err
	}
	trigger := schedule.Trigger{ID: "t", Type: schedule.Cron, StartDate: now.Format("2006-01-02"), TimeZone: "UTC", Expression: "*/5 * * * ? *"}
	ids := make([]string, n)
	work := make(chan int)
	errs := make(chan error, 32)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs <- lagTask(node, i, workspaces[i/state.MaxTasksPerWorkspace], artID, trigger, ids, withRuns)
			}
		}()
	}
	go func() {
		for i := 0; i < n; i++ {
			work <- i
		}
		close(work)
		wg.Wait()
		close(errs)
	}()
	for err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func lagTask(node *cluster.Node, i int, ws, artID string, trigger schedule.Trigger, ids []string, withRuns bool) error {
	id := state.NewObjectID()
	if err := apply(node, state.CmdTaskCreate, state.Task{ID: id, Name: fmt.Sprintf("task%d", i), WorkspaceID: ws, ArtifactID: artID, ArtifactVersion: "1.0.0"}, nil); err != nil {
		return err
	}
	rc := state.RunConfig{Runtime: state.Runtime{Type: state.RuntimeEngine, ID: "engine-0"}, ParallelExecutionAllowed: true}
	if withRuns {
		if err := apply(node, state.CmdTaskRunConfig, state.TaskRunConfigRequest{ID: id, RunConfig: rc}, nil); err != nil {
			return err
		}
	}
	ids[i] = id
	return apply(node, state.CmdSchedulePut, state.SchedulePutRequest{OwnerKind: state.OwnerTask, OwnerID: id, Triggers: []schedule.Trigger{trigger}}, nil)
}

func apply(node *cluster.Node, typ string, payload, out any) error {
	cmd, err := cluster.NewCommand(typ, cluster.Meta{}, payload)
	if err != nil {
		return err
	}
	if _, err := node.Apply(context.Background(), cmd, out); err != nil {
		return fmt.Errorf("%s: %w", typ, err)
	}
	return nil
}
