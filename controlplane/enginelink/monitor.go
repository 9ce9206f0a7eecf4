package enginelink

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// MonitorConfig tunes the heartbeat monitor.
type MonitorConfig struct {
	// Timeout is the silence after which an engine is NOT_AVAILABLE.
	// Default the link's (DefaultConfig().HeartbeatTimeout); all defaults:
	// DefaultMonitorConfig.
	Timeout time.Duration

	// Tick is how often deadlines are checked; detection happens within
	// Timeout+Tick. Default Timeout/10, at most 1 s.
	Tick time.Duration

	// WriteTimeout bounds one availability write (one batch). Default 10 s.
	WriteTimeout time.Duration

	// BatchSize is the most engines one availability write carries; changes
	// beyond it, and those that come due while a write commits, go in the
	// next one. The replicated state refuses more than 4,096. Default 1,000.
	BatchSize int

	// Logger receives the monitor's logs. Default slog.Default().
	Logger *slog.Logger

	// Heartbeats records when each engine was last heard from and its
	// latest host summary; nil: they are not recorded.
	Heartbeats HeartbeatStore

	// SummaryInterval is how often those records are written: each engine
	// at most once per interval (and at a change of its availability),
	// BatchSize engines per command. Default 5 min.
	SummaryInterval time.Duration

	// Clock is the monitor's time source: deadlines, ticks and the times
	// it records. Default the system clock; tests pass a fake one and move
	// it themselves.
	Clock clockwork.Clock
}

// Monitor keeps each engine's heartbeat deadline in memory on the leader and
// writes availability through the state only when it changes, many engines
// per write. Run is a leader-only loop; Heartbeat is ignored while it is not
// running (followers forward heartbeats to the leader instead).
type Monitor struct {
	cfg   MonitorConfig
	store AvailabilityStore

	mu        sync.Mutex
	running   bool
	deadline  map[string]time.Time // engine → when it becomes NOT_AVAILABLE
	available map[string]bool      // engine → availability as recorded
	up        map[string]struct{}  // engines seen while recorded NOT_AVAILABLE
	early     map[string]time.Time // engines seen while not armed, and when
	unwritten []string             // engines whose AVAILABLE a lost term did not write
	wake      chan struct{}

	beats        *heartbeatBook // nil while not running (monitor_heartbeats.go)
	beatCommands uint64
	beatRecords  uint64
}

// DefaultMonitorConfig returns the default of every tunable field of the
// monitor, the one place they are declared (the tick derives from the
// timeout instead: Timeout/10, at most 1 s).
func DefaultMonitorConfig() MonitorConfig {
	return MonitorConfig{
		Timeout:         DefaultConfig().HeartbeatTimeout,
		WriteTimeout:    10 * time.Second,
		BatchSize:       1000,
		SummaryInterval: 5 * time.Minute,
	}
}

// NewMonitor returns a monitor over store.
func NewMonitor(cfg MonitorConfig, store AvailabilityStore) *Monitor {
	d := DefaultMonitorConfig()
	if cfg.Timeout == 0 {
		cfg.Timeout = d.Timeout
	}
	if cfg.Tick == 0 {
		cfg.Tick = min(cfg.Timeout/10, time.Second)
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = d.WriteTimeout
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = d.BatchSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SummaryInterval <= 0 {
		cfg.SummaryInterval = d.SummaryInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	return &Monitor{cfg: cfg, store: store, wake: make(chan struct{}, 1)}
}

// Heartbeat records a proof of life. A returning engine is written
// AVAILABLE with the next batch (at once, or as soon as the batch being
// written commits); a known-available one costs a map update.
func (m *Monitor) Heartbeat(engineID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.running {
		// The router sends here once raft names this node leader, which is
		// a moment before Run arms: kept for arm, or a hello arriving then
		// would leave its engine NOT_AVAILABLE until its next heartbeat.
		if m.early == nil {
			m.early = map[string]time.Time{}
		}
		if len(m.early) < maxEarly {
			m.early[engineID] = m.cfg.Clock.Now()
		}
		return
	}
	m.deadline[engineID] = m.cfg.Clock.Now().Add(m.cfg.Timeout)
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
	for {
		// A timer per wait, stopped after it: while the loop waits, the
		// clock has exactly one timer of the monitor's (a fake clock's
		// BlockUntil tells a test the last tick was handled).
		t := m.cfg.Clock.NewTimer(m.cfg.Tick)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.Chan():
		case <-m.wake:
		}
		t.Stop()
		m.flush(ctx)
		m.flushHeartbeats(ctx)
	}
}

func (m *Monitor) arm() error {
	engines, err := m.store.PairedEngines()
	if err != nil {
		return fmt.Errorf("heartbeat monitor: list engines: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	full := m.cfg.Clock.Now().Add(m.cfg.Timeout)
	m.deadline = make(map[string]time.Time, len(engines))
	m.available = make(map[string]bool, len(engines))
	m.up = map[string]struct{}{}
	for _, e := range engines {
		m.deadline[e.EngineID] = full
		m.available[e.EngineID] = e.Available
	}
	now := m.cfg.Clock.Now()
	for id, seen := range m.early {
		if now.Sub(seen) >= m.cfg.Timeout {
			continue // too old to prove anything
		}
		if _, known := m.deadline[id]; !known {
			m.deadline[id] = seen.Add(m.cfg.Timeout) // paired since the list was read
		}
		if !m.available[id] {
			m.up[id] = struct{}{}
		}
	}
	m.early = nil
	m.beats = newHeartbeatBook(now, m.cfg.SummaryInterval)
	if len(m.up) > 0 {
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
	m.running = true
	return nil
}

// maxEarly bounds the heartbeats kept while the monitor is not armed.
const maxEarly = 1 << 20

func (m *Monitor) disarm() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running = false
	for id := range m.up {
		m.unwritten = append(m.unwritten, id)
	}
	m.deadline, m.available, m.up = nil, nil, nil
	m.beats = nil
}

// TakeUnwritten returns, once, the engines that spoke during the last term
// but whose AVAILABLE was not written when leadership was lost. Hand them
// to the next leader (the forwarder), or they would wait for their next
// heartbeat.
func (m *Monitor) TakeUnwritten() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.unwritten
	m.unwritten = nil
	return out
}

// flush writes the due changes a batch at a time until none is left or a
// write fails (retried at the next tick).
func (m *Monitor) flush(ctx context.Context) {
	for ctx.Err() == nil {
		batch := m.next(m.cfg.Clock.Now())
		if len(batch) == 0 {
			return
		}
		wctx, cancel := context.WithTimeout(ctx, m.cfg.WriteTimeout)
		skipped, err := m.store.SetAvailability(wctx, batch)
		cancel()
		if !m.recorded(batch, skipped, err) {
			return
		}
		m.noteAvailability(batch, skipped)
	}
}

// next takes up to BatchSize changes to write: returning engines first
// (their agents and users are waiting), then silent ones.
func (m *Monitor) next(now time.Time) []AvailabilityChange {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []AvailabilityChange
	for id := range m.up {
		if len(out) == m.cfg.BatchSize {
			return out
		}
		out = append(out, AvailabilityChange{EngineID: id, Available: true})
		delete(m.up, id)
	}
	for id, d := range m.deadline {
		if len(out) == m.cfg.BatchSize {
			break
		}
		if now.After(d) && m.available[id] {
			out = append(out, AvailabilityChange{EngineID: id, Available: false})
		}
	}
	return out
}

// recorded takes in the outcome of writing batch and reports whether the
// write succeeded.
func (m *Monitor) recorded(batch []AvailabilityChange, skipped []string, err error) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.running {
		return false
	}
	if err != nil {
		// Silent engines are found again at the next tick; returning ones
		// would wait for their next heartbeat, so they are kept.
		for _, c := range batch {
			if c.Available {
				m.up[c.EngineID] = struct{}{}
			}
		}
		m.cfg.Logger.Warn("recording engine availability failed", "engines", len(batch), "err", err)
		return false
	}
	gone := make(map[string]bool, len(skipped))
	for _, id := range skipped {
		gone[id] = true
		delete(m.deadline, id)
		delete(m.available, id)
		delete(m.up, id)
	}
	now, ups, downs := m.cfg.Clock.Now(), 0, 0
	for _, c := range batch {
		if gone[c.EngineID] {
			continue
		}
		m.available[c.EngineID] = c.Available
		if c.Available {
			ups++
			delete(m.up, c.EngineID) // a heartbeat during the write asks for nothing more
			m.cfg.Logger.Debug("engine available", "engine", c.EngineID)
			continue
		}
		downs++
		m.cfg.Logger.Info("engine not available: no heartbeat within the timeout", "engine", c.EngineID, "timeout", m.cfg.Timeout)
		if m.deadline[c.EngineID].After(now) {
			m.up[c.EngineID] = struct{}{} // it spoke while being written down
		}
	}
	m.cfg.Logger.Info("engine availability recorded", "available", ups, "not_available", downs, "skipped", len(skipped))
	return true
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
