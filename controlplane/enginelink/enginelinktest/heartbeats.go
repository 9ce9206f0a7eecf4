package enginelinktest

import (
	"context"
	"sync"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
)

// HeartbeatLog is an in-memory enginelink.HeartbeatStore over a Directory:
// it skips the engines the directory does not hold paired and keeps each
// engine's last record and how often it was written. Safe for concurrent
// use.
type HeartbeatLog struct {
	dir *Directory

	mu      sync.Mutex
	last    map[string]enginelink.HeartbeatRecord
	writes  map[string]int
	batches int
	largest int
}

// NewHeartbeatLog returns an empty log over dir.
func NewHeartbeatLog(dir *Directory) *HeartbeatLog {
	return &HeartbeatLog{dir: dir, last: map[string]enginelink.HeartbeatRecord{}, writes: map[string]int{}}
}

// RecordHeartbeats implements enginelink.HeartbeatStore.
func (l *HeartbeatLog) RecordHeartbeats(_ context.Context, records []enginelink.HeartbeatRecord) ([]string, error) {
	var skipped []string
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batches++
	l.largest = max(l.largest, len(records))
	for _, r := range records {
		if !l.dir.Engine(r.EngineID).Paired {
			skipped = append(skipped, r.EngineID)
			continue
		}
		if r.Summary == nil {
			r.Summary = l.last[r.EngineID].Summary // the recorded one stays
		}
		l.last[r.EngineID] = r
		l.writes[r.EngineID]++
	}
	return skipped, nil
}

// Last returns the engine's last record and how many records of it were
// written.
func (l *HeartbeatLog) Last(engineID string) (enginelink.HeartbeatRecord, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last[engineID], l.writes[engineID]
}

// Batches returns how many writes (commands) the log took and the most
// records one carried.
func (l *HeartbeatLog) Batches() (count, largest int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.batches, l.largest
}
