package state

import (
	"github.com/roundhouse/roundhouse/cluster"
)

// CmdEngineRetirement records that an engine's agent is no longer
// supported (RETIRED: its version is below the control plane's minimum, or
// it speaks a session protocol no longer served), or that a supported
// agent is back (AVAILABLE). The engine link proposes it on a change only.
const CmdEngineRetirement = "engine.retirement"

// EngineRetirementRequest retires an engine (Retired) or brings a RETIRED
// one back (!Retired). Both are idempotent: an engine already in the asked
// state is not written again.
type EngineRetirementRequest struct {
	EngineID string `json:"id"`
	Retired  bool   `json:"retired"`
}

// EngineRetirementResult says whether the engine record changed.
type EngineRetirementResult struct {
	Changed bool `json:"changed"`
}

func applyEngineRetirement(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineRetirementRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e, err := engineForUpdate(tx, req.EngineID)
	if err != nil {
		return nil, err
	}
	if e.Status != EnginePaired {
		return nil, cluster.Reject(cluster.CodePrecondition, "engine %s is not paired", e.ID)
	}
	retired := e.Availability == EngineRetired
	if retired == req.Retired {
		return &EngineRetirementResult{}, nil
	}
	if !req.Retired {
		// Its supported agent is connected: back at once, as a returning
		// engine is (the heartbeat monitor times it out from here).
		e.Availability, e.AvailableSince = EngineAvailable, tx.Meta.Time
		return &EngineRetirementResult{Changed: true}, tx.Insert(tableEngines, &e)
	}
	// The session was refused: its deployments' health is unknown, as for
	// an engine gone silent. No ENGINE_UNAVAILABLE notification: Talend
	// notifies Unavailable, and RETIRED is a state of its own.
	e.Availability = EngineRetired
	if err := unknownHealth(tx, e.ID, tx.Meta.Time); err != nil {
		return nil, err
	}
	return &EngineRetirementResult{Changed: true}, tx.Insert(tableEngines, &e)
}
