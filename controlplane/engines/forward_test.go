package engines

import (
	"encoding/json"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// At the default intervals (heartbeat 60 s, summary 5 min) a follower sends
// a summary with about one beat in five: its batches grow by about half,
// not fivefold as a full summary with every beat would make them.
func TestForwardedBatchesGrowLittleForSummaries(t *testing.T) {
	const engines, everyNth = 1000, 5
	b := enginelink.HeartbeatBatch{Summaries: map[string]protocol.HostSummary{}}
	for i := range engines {
		id := state.NewObjectID()
		b.EngineIDs = append(b.EngineIDs, id)
		if i%everyNth == 0 {
			b.Summaries[id] = enginelink.CleanSummary(protocol.HostSummary{CPUPercent: 37.4567, MemoryPercent: 81.234, DiskFreeBytes: 123456789012, RunningWork: 3})
		}
	}
	idsOnly, _ := json.Marshal(heartbeatBatch{EngineIDs: b.EngineIDs})
	with, _ := json.Marshal(encodeBatch(b))
	full := map[string]protocol.HostSummary{}
	for _, id := range b.EngineIDs {
		full[id] = protocol.HostSummary{CPUPercent: 37.4567, MemoryPercent: 81.234, DiskFreeBytes: 123456789012, RunningWork: 3}
	}
	everyBeat, _ := json.Marshal(map[string]any{"engineIds": b.EngineIDs, "summaries": full})
	t.Logf("%d beats forwarded: %d bytes without summaries, %d with one in %d (%.0f%% more), %d with one per beat",
		engines, len(idsOnly), len(with), everyNth, 100*float64(len(with)-len(idsOnly))/float64(len(idsOnly)), len(everyBeat))
	if float64(len(with)) > 1.8*float64(len(idsOnly)) {
		t.Fatalf("summaries grow a batch from %d to %d bytes", len(idsOnly), len(with))
	}
}
