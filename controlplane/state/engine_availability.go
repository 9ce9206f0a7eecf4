package state

import (
	"github.com/roundhouse/roundhouse/cluster"
)

// CmdEngineAvailabilityBatch records the availability changes of many
// engines in one command: the heartbeat monitor's writes, so that 50,000
// engines coming up cost a few dozen raft entries instead of 50,000.
const CmdEngineAvailabilityBatch = "engine.availability-batch"

// MaxEngineAvailabilityChanges bounds one batch (about 50 bytes of log per
// change), so one entry stays small and quick to apply on every replica.
const MaxEngineAvailabilityChanges = 4096

// EngineAvailabilityRequest is one engine's change of availability.
type EngineAvailabilityRequest struct {
	EngineID  string `json:"id"`
	Available bool   `json:"available"`
}

// EngineAvailabilityBatch is written by the heartbeat monitor: changes of
// distinct engines, applied in order.
type EngineAvailabilityBatch struct {
	Changes []EngineAvailabilityRequest `json:"changes"`
}

// EngineAvailabilityBatchResult names the engines a batch skipped because
// they no longer exist or are no longer paired; every other change is
// recorded.
type EngineAvailabilityBatchResult struct {
	Skipped []string `json:"skipped,omitempty"`
}

func applyEngineAvailabilityBatch(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineAvailabilityBatch
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if len(req.Changes) > MaxEngineAvailabilityChanges {
		return nil, cluster.Reject(cluster.CodeInvalid, "%d availability changes in one batch, at most %d", len(req.Changes), MaxEngineAvailabilityChanges)
	}
	var res EngineAvailabilityBatchResult
	for i, c := range req.Changes {
		e := EngineByID(tx.Reader, c.EngineID)
		// A RETIRED engine is never timed out to NOT_AVAILABLE; a heartbeat
		// of it proves a supported agent's session (an unsupported one is
		// refused before any), so it is back: this covers a session whose
		// node read the engine before the retirement reached it.
		if e == nil || e.Status != EnginePaired || (e.Availability == EngineRetired && !c.Available) {
			// One deleted engine must not hold back the others' changes.
			res.Skipped = append(res.Skipped, c.EngineID)
			continue
		}
		if (e.Availability == EngineAvailable) == c.Available {
			continue // already recorded: AvailableSince stays
		}
		if err := setAvailability(tx, *e, c.Available, i+1); err != nil {
			return nil, err
		}
	}
	return &res, nil
}

// setAvailability records e's new availability; nth numbers the engine
// within its command so that each gets its own notifications.
func setAvailability(tx *cluster.Tx, e Engine, available bool, nth int) error {
	was := e.Availability
	e.UpdatedAt = tx.Meta.Time
	e.Availability = EngineNotAvailable
	if available {
		e.Availability, e.AvailableSince = EngineAvailable, tx.Meta.Time
	}
	if was == EngineAvailable && !available {
		if err := notifyNth(tx, EventEngineUnavailable, &e, nth); err != nil {
			return err
		}
	}
	if !available {
		if err := unknownHealth(tx, e.ID, tx.Meta.Time); err != nil {
			return err
		}
	}
	return tx.Insert(tableEngines, &e)
}

// applyEngineAvailability is the one-engine command written before
// batching; kept so that logs and snapshots from then still replay.
func applyEngineAvailability(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineAvailabilityRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e, err := engineForUpdate(tx, req.EngineID)
	if err != nil {
		return nil, err
	}
	if e.Status != EnginePaired || e.Availability == EngineRetired {
		return nil, cluster.Reject(cluster.CodePrecondition, "engine %s is not paired", e.ID)
	}
	return nil, setAvailability(tx, e, req.Available, 0)
}
