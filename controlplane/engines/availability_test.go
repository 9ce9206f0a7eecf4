package engines

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// countingStore counts the availability commands proposed through it.
type countingStore struct {
	Store
	mu      sync.Mutex
	batches int
	largest int
}

func (s *countingStore) Apply(ctx context.Context, cmd cluster.Command, out any) (uint64, error) {
	if cmd.Type == state.CmdEngineAvailabilityBatch {
		var req state.EngineAvailabilityBatch
		_ = cmd.Decode(&req)
		s.mu.Lock()
		s.batches++
		s.largest = max(s.largest, len(req.Changes))
		s.mu.Unlock()
	}
	return s.Store.Apply(ctx, cmd, out)
}

func (s *countingStore) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.batches, s.largest
}

// pairedEngines creates and pairs n engines through the replicated state.
func pairedEngines(t *testing.T, n *cluster.Node, d *Directory, envID string, count int) []string {
	t.Helper()
	ids := make([]string, count)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < count; i += 8 {
				id, key := createEngine(t, n, d, envID, fmt.Sprintf("e%04d", i), time.Hour)
				if _, err := d.Pair(context.Background(), pairReq(key)); err != nil {
					t.Errorf("pair %d: %v", i, err)
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	return ids
}

func availability(n *cluster.Node, ids []string) (up, down int) {
	txn := n.Read()
	for _, id := range ids {
		if state.EngineByID(txn, id).Availability == state.EngineAvailable {
			up++
		} else {
			down++
		}
	}
	return up, down
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The heartbeat monitor over the real replicated state: many engines
// change availability in a few bounded commands, each engine that goes
// down is notified on its own, and a returning engine is back at once.
func TestMonitorBatchesAvailabilityThroughTheReplicatedState(t *testing.T) {
	n, envID := openNode(t)
	store := &countingStore{Store: n}
	d := NewDirectory(store)
	const engines, batch = 300, 64
	ids := pairedEngines(t, n, d, envID, engines)
	admin := state.UserByLogin(n.Read(), "admin")
	sub, _ := cluster.NewCommand(state.CmdSubscriptionCreate, cluster.Meta{}, state.NotificationSubscription{
		ID: state.NewObjectID(), UserID: admin.ID, Events: []string{state.EventEngineUnavailable}, URL: "http://127.0.0.1:1/hook"})
	if _, err := n.Apply(context.Background(), sub, nil); err != nil {
		t.Fatal(err)
	}

	const timeout = 1500 * time.Millisecond
	m := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: timeout, Tick: 20 * time.Millisecond, BatchSize: batch,
		Logger: slog.New(slog.DiscardHandler)}, d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, time.Second, "monitor armed", m.Running)

	for _, id := range ids {
		m.Heartbeat(id)
	}
	waitFor(t, 5*time.Second, "every engine AVAILABLE", func() bool { up, _ := availability(n, ids); return up == engines })
	if b, largest := store.counts(); b > 2*engines/batch || largest > batch {
		t.Fatalf("%d engines came up in %d commands of up to %d changes; want at most %d of at most %d", engines, b, largest, 2*engines/batch, batch)
	}

	// Half keep heartbeating; the other half fall silent and go down.
	talking, silent := ids[:engines/2], ids[engines/2:]
	stop := make(chan struct{})
	var beats sync.WaitGroup
	beats.Go(func() {
		tick := time.NewTicker(timeout / 5)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				for _, id := range talking {
					m.Heartbeat(id)
				}
			}
		}
	})
	defer func() { close(stop); beats.Wait() }()
	before, _ := store.counts()
	waitFor(t, 4*timeout, "the silent half NOT_AVAILABLE", func() bool { _, down := availability(n, silent); return down == len(silent) })
	if up, _ := availability(n, talking); up != len(talking) {
		t.Fatalf("%d of %d heartbeating engines were marked down", len(talking)-up, len(talking))
	}
	if b, _ := store.counts(); b-before > 2*len(silent)/batch+2 {
		t.Fatalf("%d engines went down in %d commands", len(silent), b-before)
	}
	notified := map[string]bool{}
	for _, nt := range state.PendingNotifications(n.Read()) {
		notified[nt.EngineID] = true
	}
	if len(notified) != len(silent) || !notified[silent[0]] || notified[talking[0]] {
		t.Fatalf("%d engines notified ENGINE_UNAVAILABLE, want each of the %d silent ones", len(notified), len(silent))
	}

	t0 := time.Now()
	m.Heartbeat(silent[0])
	waitFor(t, time.Second, "a returning engine AVAILABLE", func() bool { up, _ := availability(n, silent[:1]); return up == 1 })
	t.Logf("returning engine AVAILABLE %s after its heartbeat", time.Since(t0))
}

// An engine retired while the monitor counts it AVAILABLE stays RETIRED
// past the heartbeat timeout, with one retirement write however often it
// is asked; a supported agent's return makes it AVAILABLE, and the
// monitor then times it out as any other.
func TestMonitorLeavesARetiredEngineRetired(t *testing.T) {
	n, envID := openNode(t)
	d := NewDirectory(n)
	id := pairedEngines(t, n, d, envID, 1)[0]
	const timeout = 600 * time.Millisecond
	m := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: timeout, Tick: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, time.Second, "monitor armed", m.Running)
	is := func(want string) func() bool {
		return func() bool { return state.EngineByID(n.Read(), id).Availability == want }
	}
	m.Heartbeat(id)
	waitFor(t, time.Second, "engine AVAILABLE", is(state.EngineAvailable))

	for i := range 3 { // the agent retrying
		changed, err := d.RecordRetirement(ctx, id, true)
		if err != nil || changed != (i == 0) {
			t.Fatalf("retirement %d: changed %t, %v; want a write the first time only", i+1, changed, err)
		}
	}
	for until := time.Now().Add(2 * timeout); time.Now().Before(until); time.Sleep(20 * time.Millisecond) {
		if !is(state.EngineRetired)() {
			t.Fatalf("retired engine is %s past the heartbeat timeout", state.EngineByID(n.Read(), id).Availability)
		}
	}

	if changed, err := d.RecordRetirement(ctx, id, false); !changed || err != nil {
		t.Fatalf("supported agent back: changed %t, %v", changed, err)
	}
	m.Heartbeat(id)
	waitFor(t, time.Second, "engine AVAILABLE again", is(state.EngineAvailable))
	waitFor(t, 3*timeout, "silent engine NOT_AVAILABLE", is(state.EngineNotAvailable))
}
