package enginelink

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

func runMonitor(t *testing.T, m *Monitor) context.CancelFunc {
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
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.running
	})
	return cancel
}

func pairedEngine(dir *memDir, id string, available bool) {
	dir.mu.Lock()
	defer dir.mu.Unlock()
	dir.engines[id] = &memEngine{paired: true, available: available}
}

func TestMonitorMarksSilentEnginesDownAndReturningOnesUpAtOnce(t *testing.T) {
	dir := newMemDir(t)
	pairedEngine(dir, "e1", false)
	m := NewMonitor(MonitorConfig{Timeout: 300 * time.Millisecond, Tick: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, dir)
	runMonitor(t, m)

	m.Heartbeat("e1")
	eventually(t, 100*time.Millisecond, "AVAILABLE at once on the first heartbeat", func() bool { return dir.engine("e1").available })
	for range 10 { // heartbeats of an engine already AVAILABLE write nothing
		time.Sleep(50 * time.Millisecond)
		m.Heartbeat("e1")
	}
	if w := dir.availabilityWrites(); w != 1 {
		t.Fatalf("%d availability writes for one change", w)
	}
	silentFrom := time.Now()
	eventually(t, time.Second, "NOT_AVAILABLE after the timeout", func() bool { return !dir.engine("e1").available })
	if d := time.Since(silentFrom); d < 300*time.Millisecond {
		t.Fatalf("marked down after %s of silence, before the 300ms timeout", d)
	}
	m.Heartbeat("e1")
	eventually(t, 100*time.Millisecond, "AVAILABLE again at once", func() bool { return dir.engine("e1").available })
	if w := dir.availabilityWrites(); w != 3 {
		t.Fatalf("%d availability writes for three changes", w)
	}
}

func TestLeadershipGainReArmsEveryTimerToAFullTimeout(t *testing.T) {
	dir := newMemDir(t)
	for _, id := range []string{"a", "b", "c"} {
		pairedEngine(dir, id, true)
	}
	const timeout = 400 * time.Millisecond
	m := NewMonitor(MonitorConfig{Timeout: timeout, Tick: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, dir)

	// First term: no heartbeats at all for half a timeout, then leadership is lost.
	cancel := runMonitor(t, m)
	time.Sleep(timeout / 2)
	cancel()
	// A new term starts; engines heartbeating to it stay up even though the
	// last beat the old leader saw is older than the timeout.
	m2 := NewMonitor(MonitorConfig{Timeout: timeout, Tick: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, dir)
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
		if !dir.engine("a").available || !dir.engine("b").available {
			t.Fatal("a healthy engine was marked down across a leader change")
		}
	}
	if dir.engine("c").available {
		t.Fatal("silent engine c still AVAILABLE after a full timeout in the new term")
	}
}

func TestMonitorIgnoresHeartbeatsWhenNotLeaderAndForgetsDeletedEngines(t *testing.T) {
	dir := newMemDir(t)
	m := NewMonitor(MonitorConfig{Timeout: 100 * time.Millisecond, Tick: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, dir)
	m.Heartbeat("nobody") // not running: no panic, no state
	pairedEngine(dir, "gone", true)
	runMonitor(t, m)
	dir.deleteEngine("gone")
	eventually(t, time.Second, "deleted engine dropped", func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		_, ok := m.deadline["gone"]
		return !ok
	})
}

func TestForwarderBatchesHeartbeats(t *testing.T) {
	got := make(chan []string, 10)
	f := NewForwarder(func(_ context.Context, ids []string) error { got <- ids; return nil }, 20*time.Millisecond, slog.New(slog.DiscardHandler))
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
