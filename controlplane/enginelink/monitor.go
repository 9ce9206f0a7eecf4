package enginelink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// MonitorConfig tunes the heartbeat monitor.
type MonitorConfig struct {
	// Timeout is the silence after which an engine is NOT_AVAILABLE.
	// Default 180 s.
	Timeout time.Duration

	// Tick is how often deadlines are checked; detection happens within
	// Timeout+Tick. Default Timeout/10, at most 1 s.
	Tick time.Duration

	// WriteTimeout bounds one availability write. Default 10 s.
	WriteTimeout time.Duration

	// Logger receives the monitor's logs. Default slog.Default().
	Logger *slog.Logger
}

// Monitor keeps each engine's heartbeat deadline in memory on the leader and
// writes availability through the state only when it changes. Run is a
// leader-only loop; Heartbeat is ignored while it is not running (followers
// forward heartbeats to the leader instead).
type Monitor struct {
	cfg   MonitorConfig
	store AvailabilityStore

	mu        sync.Mutex
	running   bool
	deadline  map[string]time.Time // engine → when it becomes NOT_AVAILABLE
	available map[string]bool      // engine → availability as recorded
	up        map[string]struct{}  // engines seen while recorded NOT_AVAILABLE
	wake      chan struct{}
}

// NewMonitor returns a monitor over store.
func NewMonitor(cfg MonitorConfig, store AvailabilityStore) *Monitor {
	if cfg.Timeout == 0 {
		cfg.Timeout = 180 * time.Second
	}
	if cfg.Tick == 0 {
		cfg.Tick = min(cfg.Timeout/10, time.Second)
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Monitor{cfg: cfg, store: store, wake: make(chan struct{}, 1)}
}

// Heartbeat records a proof of life. A returning engine is written
// AVAILABLE at once; a known-available one costs a map update.
func (m *Monitor) Heartbeat(engineID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.running {
		return
	}
	m.deadline[engineID] = time.Now().Add(m.cfg.Timeout)
	if !m.available[engineID] {
		m.up[engineID] = struct{}{}
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
}

// Run is the leader-only loop. At start every paired engine gets a full
// timeout, so a leader change never marks a healthy engine down.
func (m *Monitor) Run(ctx context.Context) error {
	if err := m.arm(); err != nil {
		return err
	}
	defer m.disarm()
	t := time.NewTicker(m.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-m.wake:
		}
		m.apply(ctx, m.due(time.Now()))
	}
}

func (m *Monitor) arm() error {
	engines, err := m.store.PairedEngines()
	if err != nil {
		return fmt.Errorf("heartbeat monitor: list engines: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	full := time.Now().Add(m.cfg.Timeout)
	m.deadline = make(map[string]time.Time, len(engines))
	m.available = make(map[string]bool, len(engines))
	m.up = map[string]struct{}{}
	for _, e := range engines {
		m.deadline[e.EngineID] = full
		m.available[e.EngineID] = e.Available
	}
	m.running = true
	return nil
}

func (m *Monitor) disarm() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running = false
	m.deadline, m.available, m.up = nil, nil, nil
}

// change is one availability write to make.
type change struct {
	engineID  string
	available bool
}

// due collects the changes to write: returning engines up, silent ones down.
func (m *Monitor) due(now time.Time) []change {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []change
	for id := range m.up {
		out = append(out, change{id, true})
	}
	clear(m.up)
	for id, d := range m.deadline {
		if now.After(d) && m.available[id] {
			out = append(out, change{id, false})
		}
	}
	return out
}

func (m *Monitor) apply(ctx context.Context, changes []change) {
	for _, c := range changes {
		wctx, cancel := context.WithTimeout(ctx, m.cfg.WriteTimeout)
		err := m.store.SetAvailability(wctx, c.engineID, c.available)
		cancel()
		m.recorded(c, err)
		if ctx.Err() != nil {
			return
		}
	}
}

func (m *Monitor) recorded(c change, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.running {
		return
	}
	switch {
	case errors.Is(err, ErrUnknownEngine):
		delete(m.deadline, c.engineID)
		delete(m.available, c.engineID)
	case err != nil:
		// Retried on the next tick (down) or heartbeat (up).
		m.cfg.Logger.Warn("recording engine availability failed", "engine", c.engineID, "available", c.available, "err", err)
	default:
		m.available[c.engineID] = c.available
		m.cfg.Logger.Info("engine availability changed", "engine", c.engineID, "available", c.available)
	}
}

// Running reports whether the monitor's leader loop is armed.
func (m *Monitor) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.running
}

// Tracked reports how many engines have a deadline armed.
func (m *Monitor) Tracked() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.deadline)
}
