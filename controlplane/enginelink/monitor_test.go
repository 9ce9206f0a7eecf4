package enginelink_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
)

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
	eventually(t, time.Second, "monitor armed", func() bool {
		return m.Running()
	})
	return cancel
}

func TestMonitorMarksSilentEnginesDownAndReturningOnesUpAtOnce(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e1", false)
	m := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: 300 * time.Millisecond, Tick: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, dir)
	runMonitor(t, m)

	m.Heartbeat("e1")
	eventually(t, 100*time.Millisecond, "AVAILABLE at once on the first heartbeat", func() bool { return dir.Engine("e1").Available })
	for range 10 { // heartbeats of an engine already AVAILABLE write nothing
		time.Sleep(50 * time.Millisecond)
		m.Heartbeat("e1")
	}
	if w := dir.AvailabilityWrites(); w != 1 {
		t.Fatalf("%d availability writes for one change", w)
	}
	silentFrom := time.Now()
	eventually(t, time.Second, "NOT_AVAILABLE after the timeout", func() bool { return !dir.Engine("e1").Available })
	if d := time.Since(silentFrom); d < 300*time.Millisecond {
		t.Fatalf("marked down after %s of silence, before the 300ms timeout", d)
	}
	m.Heartbeat("e1")
	eventually(t, 100*time.Millisecond, "AVAILABLE again at once", func() bool { return dir.Engine("e1").Available })
	if w := dir.AvailabilityWrites(); w != 3 {
		t.Fatalf("%d availability writes for three changes", w)
	}
}

func TestLeadershipGainReArmsEveryTimerToAFullTimeout(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	for _, id := range []string{"a", "b", "c"} {
		dir.SetPaired(id, true)
	}
	const timeout = 400 * time.Millisecond
	m := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: timeout, Tick: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, dir)

	// First term: no heartbeats at all for half a timeout, then leadership is lost.
	cancel := runMonitor(t, m)
	time.Sleep(timeout / 2)
	cancel()
	// A new term starts; engines heartbeating to it stay up even though the
	// last beat the old leader saw is older than the timeout.
	m2 := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: timeout, Tick: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, dir)
	runMonitor(t, m2)
	stop := time.After(2 * timeout)
	tick := time.NewTicker(timeout / 4)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-tick.C:
			m2.Heartbeat("a")
			m2.Heartbeat("b")
		case <-stop:
			done = true
		}
		if !dir.Engine("a").Available || !dir.Engine("b").Available {
			t.Fatal("a healthy engine was marked down across a leader change")
		}
	}
	if dir.Engine("c").Available {
		t.Fatal("silent engine c still AVAILABLE after a full timeout in the new term")
	}
}

func TestMonitorIgnoresHeartbeatsWhenNotLeaderAndForgetsDeletedEngines(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	m := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: 100 * time.Millisecond, Tick: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, dir)
	m.Heartbeat("nobody") // not running: no panic, no state
	dir.SetPaired("gone", true)
	runMonitor(t, m)
	dir.DeleteEngine("gone")
	eventually(t, time.Second, "deleted engine dropped", func() bool { return m.Tracked() == 0 })
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
	m := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: time.Minute, Tick: 10 * time.Millisecond, BatchSize: 10,
		Logger: slog.New(slog.DiscardHandler)}, g)
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
	eventually(t, time.Second, "every engine AVAILABLE", func() bool { return dir.AvailabilityWrites() == 25 })
}

func TestAnEngineThatSpeaksWhileWrittenDownComesBackUp(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e", true)
	g := &gatedStore{Directory: dir, entered: make(chan []enginelink.AvailabilityChange), release: make(chan struct{})}
	m := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: 100 * time.Millisecond, Tick: 10 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}, g)
	runMonitor(t, m)

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
	eventually(t, time.Second, "e AVAILABLE", func() bool { return dir.Engine("e").Available })
}

func TestAHeartbeatJustBeforeArmingIsNotLost(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e", false)
	m := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: time.Minute, Tick: 10 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}, dir)
	m.Heartbeat("e") // raft already names this node leader; Run has not armed yet
	runMonitor(t, m)
	eventually(t, time.Second, "e AVAILABLE without another heartbeat", func() bool { return dir.Engine("e").Available })
}

func TestUpsALostTermDidNotWriteAreHandedOn(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e", false)
	g := &gatedStore{Directory: dir, entered: make(chan []enginelink.AvailabilityChange), release: make(chan struct{})}
	m := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: time.Minute, Tick: 10 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}, g)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	eventually(t, time.Second, "monitor armed", m.Running)
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
