package enginelink

import (
	"context"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// heartbeatBook is the monitor's memory, for one term, of what it heard
// from each engine and what it last wrote of it. Writes happen in sweeps,
// one per SummaryInterval, each engine at most once per sweep and only if
// it was heard since its last write; an engine whose availability changed
// is written at once instead (the last beat of one that went silent, the
// first summary of one that came back), so operators see a fresh value
// when it matters. A heartbeat by itself never causes a write.
type heartbeatBook struct {
	armedAt time.Time             // beats before it were heard by an earlier term
	heard   map[string]heardBeats // engine → latest summary, last write
	urgent  map[string]urgency    // engines whose availability just changed
	sweep   []string              // engines the running sweep has yet to consider
	next    time.Time             // when the next sweep starts
}

type heardBeats struct {
	sum   protocol.HostSummary
	sumAt time.Time // when sum arrived; zero: none heard this term
	wrote time.Time // the heartbeat time last written
}

// urgency: a down engine's last beat is written at once; an engine that
// came up is written once a summary arrived with or after its beat at
// since (the hello that brought it up carries none).
type urgency struct {
	since time.Time
	down  bool
}

func newHeartbeatBook(now time.Time, interval time.Duration) *heartbeatBook {
	return &heartbeatBook{armedAt: now, heard: map[string]heardBeats{}, urgent: map[string]urgency{}, next: now.Add(interval)}
}

// HostSummary implements SummarySink: it keeps the engine's latest summary
// (a map update); the next sweep, or the tick after its change of
// availability, writes it.
func (m *Monitor) HostSummary(engineID string, sum protocol.HostSummary) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.running || m.beats == nil {
		return // lost with a term; the engine's next heartbeat brings another
	}
	h := m.beats.heard[engineID]
	h.sum, h.sumAt = CleanSummary(sum), m.cfg.Clock.Now()
	m.beats.heard[engineID] = h
	// No wake for an urgent engine: the next tick (at most 1 s by default)
	// writes all that came up meanwhile in one command; a wake per summary
	// made ~450 commands of 1-2 records for 1,000 engines coming up.
}

// HeartbeatWrites reports how many heartbeat-record commands the monitor
// wrote, and how many engine records they carried, since it was made.
func (m *Monitor) HeartbeatWrites() (commands, records uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.beatCommands, m.beatRecords
}

// noteAvailability makes the engines whose availability was just recorded
// urgent.
func (m *Monitor) noteAvailability(batch []AvailabilityChange, skipped []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.beats == nil {
		return
	}
	gone := make(map[string]bool, len(skipped))
	for _, id := range skipped {
		gone[id] = true
		delete(m.beats.heard, id)
	}
	for _, c := range batch {
		if gone[c.EngineID] {
			continue
		}
		since := m.cfg.Clock.Now()
		if d, ok := m.deadline[c.EngineID]; ok {
			since = d.Add(-m.cfg.Timeout) // its last beat
		}
		m.beats.urgent[c.EngineID] = urgency{since: since, down: !c.Available}
	}
}

// flushHeartbeats writes the due heartbeat records a batch at a time until
// none is left or a write fails (the rest wait for the next tick).
func (m *Monitor) flushHeartbeats(ctx context.Context) {
	if m.cfg.Heartbeats == nil {
		return
	}
	for ctx.Err() == nil {
		batch := m.nextRecords(m.cfg.Clock.Now())
		if len(batch) == 0 {
			return
		}
		wctx, cancel := context.WithTimeout(ctx, m.cfg.WriteTimeout)
		skipped, err := m.cfg.Heartbeats.RecordHeartbeats(wctx, batch)
		cancel()
		if !m.heartbeatsRecorded(batch, skipped, err) {
			return
		}
	}
}

// nextRecords takes up to BatchSize records to write: urgent engines first,
// then those of the running sweep, starting one when it is due.
func (m *Monitor) nextRecords(now time.Time) []HeartbeatRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.beats
	if b == nil {
		return nil
	}
	var out []HeartbeatRecord
	taken := map[string]bool{} // an urgent engine may be in the sweep too
	for id, u := range b.urgent {
		if len(out) == m.cfg.BatchSize {
			return out
		}
		rec, news := m.recordLocked(id)
		if news && !u.down && (b.heard[id].sumAt.IsZero() || b.heard[id].sumAt.Before(u.since)) {
			continue // came up; waits for its first summary
		}
		delete(b.urgent, id)
		if news {
			out, taken[id] = append(out, rec), true
		}
	}
	if len(b.sweep) == 0 && !now.Before(b.next) {
		for id := range m.deadline {
			b.sweep = append(b.sweep, id)
		}
		clear(b.urgent) // the sweep writes them all
		b.next = now.Add(m.cfg.SummaryInterval)
	}
	for len(b.sweep) > 0 && len(out) < m.cfg.BatchSize {
		id := b.sweep[len(b.sweep)-1]
		b.sweep = b.sweep[:len(b.sweep)-1]
		if rec, news := m.recordLocked(id); news && !taken[id] {
			out, taken[id] = append(out, rec), true
		}
	}
	return out
}

// recordLocked returns the engine's record and whether it holds a beat
// heard this term and not written yet.
func (m *Monitor) recordLocked(id string) (HeartbeatRecord, bool) {
	d, ok := m.deadline[id]
	if !ok {
		return HeartbeatRecord{}, false
	}
	at := d.Add(-m.cfg.Timeout) // the deadline is the last beat plus the timeout
	h := m.beats.heard[id]
	if !at.After(m.beats.armedAt) || !at.After(h.wrote) {
		return HeartbeatRecord{}, false
	}
	rec := HeartbeatRecord{EngineID: id, At: at}
	if !h.sumAt.IsZero() {
		sum := h.sum
		rec.Summary = &sum
	}
	return rec, true
}

// heartbeatsRecorded takes in the outcome of writing batch and reports
// whether the write succeeded.
func (m *Monitor) heartbeatsRecorded(batch []HeartbeatRecord, skipped []string, err error) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.running || m.beats == nil {
		return false
	}
	if err != nil {
		// Retried with the next tick, with the values they have then.
		for _, r := range batch {
			m.beats.sweep = append(m.beats.sweep, r.EngineID)
		}
		m.cfg.Logger.Warn("recording engine heartbeats failed", "engines", len(batch), "err", err)
		return false
	}
	m.beatCommands++
	m.beatRecords += uint64(len(batch) - len(skipped))
	gone := make(map[string]bool, len(skipped))
	for _, id := range skipped {
		gone[id] = true
		delete(m.beats.heard, id)
		delete(m.beats.urgent, id)
	}
	for _, r := range batch {
		if !gone[r.EngineID] {
			h := m.beats.heard[r.EngineID]
			h.wrote = r.At
			m.beats.heard[r.EngineID] = h
		}
	}
	m.cfg.Logger.Debug("engine heartbeats recorded", "engines", len(batch)-len(skipped), "skipped", len(skipped))
	return true
}
