package enginelink_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
)

// epoch is where every monitor test's fake clock starts.
var epoch = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// newMonitor makes a monitor on a fake clock at epoch: its time moves only
// when the test advances it.
func newMonitor(cfg enginelink.MonitorConfig, store enginelink.AvailabilityStore) (*enginelink.Monitor, *clockwork.FakeClock) {
	clock := clockwork.NewFakeClockAt(epoch)
	cfg.Clock = clock
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return enginelink.NewMonitor(cfg, store), clock
}

func runMonitor(t *testing.T, m *enginelink.Monitor) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("monitor: %v", err)
		}
	})
	eventually(t, 5*time.Second, "monitor armed", func() bool {
		return m.Running()
	})
	return cancel
}

// advance moves the clock by d, which gives the monitor one tick at the
// new time, and returns once the monitor handled it and waits for the
// next one.
func advance(t *testing.T, clock *clockwork.FakeClock, d time.Duration) {
	t.Helper()
	clock.Advance(d)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("the monitor did not come back to wait for its next tick: %v", err)
	}
}

func TestMonitorMarksSilentEnginesDownAndReturningOnesUpAtOnce(t *testing.T) {
	const timeout, tick = 3 * time.Minute, time.Second
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e1", false)
	m, clock := newMonitor(enginelink.MonitorConfig{Timeout: timeout, Tick: tick}, dir)
	runMonitor(t, m)

	m.Heartbeat("e1")
	eventually(t, 5*time.Second, "AVAILABLE at once on the first heartbeat", func() bool { return dir.Engine("e1").Available })
	for range 10 { // heartbeats of an engine already AVAILABLE write nothing
		advance(t, clock, 10*time.Second)
		m.Heartbeat("e1")
	}
	if w := dir.AvailabilityWrites(); w != 1 {
		t.Fatalf("%d availability writes for one change", w)
	}
	advance(t, clock, timeout) // silent for exactly the timeout: not yet
	if !dir.Engine("e1").Available || dir.AvailabilityWrites() != 1 {
		t.Fatal("marked down at the timeout, before it passed")
	}
	advance(t, clock, tick)
	eventually(t, 5*time.Second, "NOT_AVAILABLE once the timeout passed", func() bool { return !dir.Engine("e1").Available })
	m.Heartbeat("e1")
	eventually(t, 5*time.Second, "AVAILABLE again at once", func() bool { return dir.Engine("e1").Available })
	if w := dir.AvailabilityWrites(); w != 3 {
		t.Fatalf("%d availability writes for three changes", w)
	}
}

func TestLeadershipGainReArmsEveryTimerToAFullTimeout(t *testing.T) {
	const timeout, tick = 3 * time.Minute, time.Second
	dir := enginelinktest.NewDirectory()
	for _, id := range []string{"a", "b", "c"} {
		dir.SetPaired(id, true)
	}
	m, clock := newMonitor(enginelink.MonitorConfig{Timeout: timeout, Tick: tick}, dir)

	// First term: no heartbeats at all for half a timeout, then leadership is lost.
	cancel := runMonitor(t, m)
	advance(t, clock, timeout/2)
	cancel()
	// A new term starts; engines heartbeating to it stay up even though the
	// last beat the old leader saw is older than the timeout.
	m2 := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: timeout, Tick: tick, Clock: clock, Logger: slog.New(slog.DiscardHandler)}, dir)
	runMonitor(t, m2)
	for range 4 {
		advance(t, clock, timeout/4)
		m2.Heartbeat("a")
		m2.Heartbeat("b")
		if !dir.Engine("a").Available || !dir.Engine("b").Available || !dir.Engine("c").Available {
			t.Fatal("an engine was marked down within a full timeout of the new term")
		}
	}
	advance(t, clock, tick)
	eventually(t, 5*time.Second, "silent engine c NOT_AVAILABLE after a full timeout in the new term", func() bool { return !dir.Engine("c").Available })
	if !dir.Engine("a").Available || !dir.Engine("b").Available {
		t.Fatal("a healthy engine was marked down across a leader change")
	}
}

func TestMonitorIgnoresHeartbeatsWhenNotLeaderAndForgetsDeletedEngines(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	m, clock := newMonitor(enginelink.MonitorConfig{Timeout: time.Minute, Tick: time.Second}, dir)
	m.Heartbeat("nobody") // not running: no panic, no state
	dir.SetPaired("gone", true)
	runMonitor(t, m)
	dir.DeleteEngine("gone")
	advance(t, clock, time.Minute+time.Second) // its NOT_AVAILABLE finds it gone
	if n := m.Tracked(); n != 0 {
		t.Fatalf("%d engines tracked after the only one was deleted", n)
	}
}

func TestForwarderBatchesHeartbeats(t *testing.T) {
	got := make(chan []string, 10)
	f := enginelink.NewForwarder(func(_ context.Context, ids []string) error { got <- ids; return nil }, 20*time.Millisecond, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = f.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for range 100 {
		f.Heartbeat("b")
		f.Heartbeat("a")
	}
	select {
	case batch := <-got:
		if len(batch) != 2 || batch[0] != "a" || batch[1] != "b" {
			t.Fatalf("batch %v, want [a b] once", batch)
		}
	case <-time.After(time.Second):
		t.Fatal("no batch sent")
	}
}

// gatedStore holds every availability write until the test releases it,
// and records each batch.
type gatedStore struct {
	*enginelinktest.Directory
	entered chan []enginelink.AvailabilityChange
	release chan struct{}
}

func (g *gatedStore) SetAvailability(ctx context.Context, changes []enginelink.AvailabilityChange) ([]string, error) {
	select {
	case g.entered <- changes:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Directory.SetAvailability(ctx, changes)
}

func TestMonitorWritesInBoundedBatchesAndCoalescesWhileOneCommits(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	for i := range 25 {
		dir.SetPaired(fmt.Sprintf("e%02d", i), false)
	}
	g := &gatedStore{Directory: dir, entered: make(chan []enginelink.AvailabilityChange), release: make(chan struct{})}
	m, _ := newMonitor(enginelink.MonitorConfig{Timeout: time.Minute, Tick: time.Second, BatchSize: 10}, g)
	runMonitor(t, m)

	m.Heartbeat("e00")
	first := <-g.entered // e00's write is committing...
	for i := 1; i < 25; i++ {
		m.Heartbeat(fmt.Sprintf("e%02d", i)) // ...while 24 more return
	}
	g.release <- struct{}{}
	sizes := []int{len(first)}
	for up := 1; up < 25; {
		b := <-g.entered
		g.release <- struct{}{}
		sizes = append(sizes, len(b))
		up += len(b)
	}
	if fmt.Sprint(sizes) != "[1 10 10 4]" {
		t.Fatalf("batches of %v, want [1 10 10 4]: the first alone, then the rest coalesced in batches of at most 10", sizes)
	}
	eventually(t, 5*time.Second, "every engine AVAILABLE", func() bool { return dir.AvailabilityWrites() == 25 })
}

func TestAnEngineThatSpeaksWhileWrittenDownComesBackUp(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e", true)
	g := &gatedStore{Directory: dir, entered: make(chan []enginelink.AvailabilityChange), release: make(chan struct{})}
	m, clock := newMonitor(enginelink.MonitorConfig{Timeout: time.Minute, Tick: time.Second}, g)
	runMonitor(t, m)

	clock.Advance(time.Minute + time.Second)
	down := <-g.entered // silent past the timeout: being written down...
	if len(down) != 1 || down[0].Available {
		t.Fatalf("first write %+v, want e down", down)
	}
	m.Heartbeat("e") // ...when it speaks again
	g.release <- struct{}{}
	up := <-g.entered
	g.release <- struct{}{}
	if len(up) != 1 || !up[0].Available {
		t.Fatalf("next write %+v, want e up", up)
	}
	eventually(t, 5*time.Second, "e AVAILABLE", func() bool { return dir.Engine("e").Available })
}

func TestAHeartbeatJustBeforeArmingIsNotLost(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e", false)
	m, _ := newMonitor(enginelink.MonitorConfig{Timeout: time.Minute, Tick: time.Second}, dir)
	m.Heartbeat("e") // raft already names this node leader; Run has not armed yet
	runMonitor(t, m)
	eventually(t, 5*time.Second, "e AVAILABLE without another heartbeat", func() bool { return dir.Engine("e").Available })
}

func TestUpsALostTermDidNotWriteAreHandedOn(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e", false)
	g := &gatedStore{Directory: dir, entered: make(chan []enginelink.AvailabilityChange), release: make(chan struct{})}
	m, _ := newMonitor(enginelink.MonitorConfig{Timeout: time.Minute, Tick: time.Second}, g)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	eventually(t, 5*time.Second, "monitor armed", m.Running)
	m.Heartbeat("e")
	<-g.entered // e's AVAILABLE is being written when leadership is lost
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := m.TakeUnwritten(); len(got) != 1 || got[0] != "e" {
		t.Fatalf("unwritten %v, want [e] for the next leader", got)
	}
	if got := m.TakeUnwritten(); len(got) != 0 {
		t.Fatalf("unwritten handed out twice: %v", got)
	}
}
