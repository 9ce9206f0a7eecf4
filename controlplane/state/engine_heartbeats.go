package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/protocol"
)

// CmdEngineHeartbeatBatch records, for many engines in one command, when
// each was last heard from and its latest host summary. The heartbeat
// monitor writes it at most once per summary interval per engine (and on a
// change of availability), never per heartbeat: every node then shows the
// same, bounded-stale value.
const CmdEngineHeartbeatBatch = "engine.heartbeat-batch"

// MaxEngineHeartbeatRecords bounds one batch (about 160 bytes of log per
// record), so one entry stays small and quick to apply on every replica.
const MaxEngineHeartbeatRecords = 4096

// EngineHeartbeatRecord is one engine's last heartbeat as the monitor saw it.
type EngineHeartbeatRecord struct {
	EngineID string    `json:"id"`
	At       time.Time `json:"at"`
	// Summary is nil when the monitor heard none since it took over: the
	// recorded one stays.
	Summary *protocol.HostSummary `json:"summary,omitempty"`
}

// EngineHeartbeatBatch is written by the heartbeat monitor: records of
// distinct engines.
type EngineHeartbeatBatch struct {
	Records []EngineHeartbeatRecord `json:"records"`
}

// EngineHeartbeatBatchResult names the engines a batch skipped because they
// no longer exist or are no longer paired.
type EngineHeartbeatBatchResult struct {
	Skipped []string `json:"skipped,omitempty"`
}

func engineHeartbeatSpec() cluster.Spec {
	return cluster.Spec{Handlers: map[string]cluster.Handler{CmdEngineHeartbeatBatch: applyEngineHeartbeatBatch}}
}

func applyEngineHeartbeatBatch(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineHeartbeatBatch
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if len(req.Records) > MaxEngineHeartbeatRecords {
		return nil, cluster.Reject(cluster.CodeInvalid, "%d heartbeat records in one batch, at most %d", len(req.Records), MaxEngineHeartbeatRecords)
	}
	var res EngineHeartbeatBatchResult
	for _, r := range req.Records {
		e := EngineByID(tx.Reader, r.EngineID)
		if e == nil || e.Status != EnginePaired {
			res.Skipped = append(res.Skipped, r.EngineID)
			continue
		}
		if !r.At.After(e.LastHeartbeatAt) {
			continue // a late write of an earlier leader never turns the clock back
		}
		next := *e // not UpdatedAt: a heartbeat changes nothing an operator set
		next.LastHeartbeatAt = r.At
		if r.Summary != nil {
			sum := *r.Summary
			next.HostSummary = &sum
		}
		if err := tx.Insert(tableEngines, &next); err != nil {
			return nil, err
		}
	}
	return &res, nil
}
