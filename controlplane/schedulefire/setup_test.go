package schedulefire_test

import (
	"encoding/json"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/schedulefire"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// fakeClock is a controllable scheduler clock: time moves only by Set.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) At(t time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: t, ch: ch})
	return ch
}

// Set moves the clock to t and wakes the waits that are over.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
}

type fixture struct {
	t     *testing.T
	srv   *cptest.Server
	c     *cptest.Client
	clock *fakeClock
	envID string
	wsID  string
}

func start(t *testing.T) *fixture {
	t.Helper()
	dir := executionstest.NewDirectory()
	clock := &fakeClock{now: time.Now().UTC()}
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.Executions = executions.Config{Engines: dir, Minute: time.Minute, Rescan: 20 * time.Millisecond}
		c.Scheduler = schedulefire.Config{Clock: clock}
	})
	f := &fixture{t: t, srv: srv, c: srv.Client(cptest.AdminToken), clock: clock}
	var err error
	if f.envID, f.wsID, err = executionstest.SharedWorkspace(srv.URL, cptest.AdminToken); err != nil {
		t.Fatal(err)
	}
	dir.AddEngine("engine-1", f.envID)
	return f
}

// jobTask publishes a job artifact (which creates its task) and gives the
// task a run config on engine-1 (no engine runs: executions stay queued).
func (f *fixture) jobTask(name string) string {
	f.t.Helper()
	archive, err := executionstest.Archive(executionstest.JobManifest(name, "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\necho hi\n"})
	if err != nil {
		f.t.Fatal(err)
	}
	status, raw, err := f.c.Send("POST", "/orchestration/artifacts", "application/gzip", archive)
	if err != nil {
		f.t.Fatal(err)
	}
	var pub state.ArtifactPublishResult
	if err := json.Unmarshal(raw, &pub); err != nil || pub.TaskID == "" {
		f.t.Fatalf("upload: %d %v", status, err)
	}
	f.c.Must(f.t, 204, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config",
		map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}}, nil)
	return pub.TaskID
}

// executions lists a task's executions, oldest first.
func (f *fixture) executions(taskID string) []executions.View {
	f.t.Helper()
	var page executions.Page
	f.c.Must(f.t, 200, "GET", "/processing/executions?taskId="+taskID, nil, &page)
	sort.Slice(page.Items, func(i, j int) bool { return page.Items[i].TriggerTime.Before(page.Items[j].TriggerTime) })
	return page.Items
}

// waitExecutions polls until the task has n executions.
func (f *fixture) waitExecutions(taskID string, n int) []executions.View {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := f.executions(taskID)
		if len(got) == n {
			return got
		}
		if len(got) > n || time.Now().After(deadline) {
			f.t.Fatalf("task %s has %d executions, want %d", taskID, len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settle checks that the task keeps n executions for a while.
func (f *fixture) settle(taskID string, n int) {
	f.t.Helper()
	time.Sleep(150 * time.Millisecond)
	if got := f.executions(taskID); len(got) != n {
		f.t.Fatalf("task %s has %d executions, want %d", taskID, len(got), n)
	}
}

func (f *fixture) schedule(kind, id string) schedulefire.ScheduleView {
	f.t.Helper()
	var v schedulefire.ScheduleView
	f.c.Must(f.t, 200, "GET", "/orchestration/executables/"+kind+"/"+id+"/schedule", nil, &v)
	return v
}
