package enginelink

import (
	"context"
	"math"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// SummarySink receives the host summary each heartbeat carries, after
// HeartbeatSink.Heartbeat for the same beat. The Monitor, the Forwarder and
// the Router implement it; a HeartbeatSink that does not simply drops
// summaries.
type SummarySink interface {
	HostSummary(engineID string, sum protocol.HostSummary)
}

// HeartbeatStore is where the monitor records, for many engines per call,
// when each was last heard from and its latest host summary.
type HeartbeatStore interface {
	// RecordHeartbeats writes records of distinct engines through the
	// replicated log as one command (at most MonitorConfig.BatchSize). It
	// returns the engines it skipped because they no longer exist or are no
	// longer paired; on an error nothing is recorded.
	RecordHeartbeats(ctx context.Context, records []HeartbeatRecord) (skipped []string, err error)
}

// HeartbeatRecord is one engine's last heartbeat as the monitor saw it.
type HeartbeatRecord struct {
	EngineID string
	At       time.Time
	// Summary is nil when none was heard since this monitor took over.
	Summary *protocol.HostSummary
}

// CleanSummary bounds what an engine reports: percentages within 0-100 at
// one decimal (operators need no more, and the records and forwarded
// batches stay small), no negative count of running work.
func CleanSummary(s protocol.HostSummary) protocol.HostSummary {
	s.CPUPercent, s.MemoryPercent = cleanPercent(s.CPUPercent), cleanPercent(s.MemoryPercent)
	s.RunningWork = max(s.RunningWork, 0)
	return s
}

func cleanPercent(p float64) float64 {
	if math.IsNaN(p) {
		return 0
	}
	return math.Round(min(max(p, 0), 100)*10) / 10
}
