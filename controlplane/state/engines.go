package state

import (
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/protocol"
)

// Engine kinds, pairing statuses and availabilities, verbatim from the API.
const (
	EngineKindRemote     = "REMOTE_ENGINE"
	EngineKindRemoteGen2 = "REMOTE_ENGINE_GEN2"

	EngineNotPaired = "NOT_PAIRED"
	EnginePaired    = "PAIRED"

	EngineAvailable    = "AVAILABLE"
	EngineNotAvailable = "NOT_AVAILABLE"
	EngineRetired      = "RETIRED"
)

// Engine is a Remote Engine: the logical entity created in the control
// plane, paired with one agent.
type Engine struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Description   string `json:"description,omitempty"`
	Kind          string `json:"kind"`
	EnvironmentID string `json:"environmentId"`
	WorkspaceID   string `json:"workspaceId,omitempty"`
	ClusterID     string `json:"clusterId,omitempty"`
	Status        string `json:"status"`
	Availability  string `json:"availability"`
	// CertSerial is the current client certificate; PrevCertSerial the one
	// it replaced, still accepted on the session that renewed it.
	CertSerial     string             `json:"certSerial,omitempty"`
	PrevCertSerial string             `json:"prevCertSerial,omitempty"`
	Host           protocol.HostFacts `json:"host"`
	PairedAt       time.Time          `json:"pairedAt,omitzero"`
	AvailableSince time.Time          `json:"availableSince,omitzero"`
	CreatedAt      time.Time          `json:"createdAt"`
	UpdatedAt      time.Time          `json:"updatedAt"`

	// LastHeartbeatAt and HostSummary are written by the heartbeat monitor
	// at most once per summary interval (engine_heartbeats.go).
	LastHeartbeatAt time.Time             `json:"lastHeartbeatAt,omitzero"`
	HostSummary     *protocol.HostSummary `json:"hostSummary,omitempty"`
}

const (
	tableEngines = "engines"

	CmdEngineCreate        = "engine.create"
	CmdEngineUpdate        = "engine.update"
	CmdEngineDelete        = "engine.delete"
	CmdEngineRegenerateKey = "engine.regenerate-key"
	CmdEngineUnpair        = "engine.unpair"
	CmdEnginePair          = "engine.pair"
	CmdEngineRenewCert     = "engine.renew-certificate"
	CmdEngineFacts         = "engine.facts"
	CmdEngineAvailability  = "engine.availability" // replay only: see CmdEngineAvailabilityBatch
)

func engineSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableEngines, func() any { return new(Engine) }, idIndex(),
				compoundIndex("environment_name", true, "EnvironmentID", "Name"),
				stringIndex("environment", "EnvironmentID", false),
				clusterIndex()),
			table(tablePairKeys, func() any { return new(PairKeyRecord) }, idIndex(),
				stringIndex("engine", "EngineID", false)),
			pairFailureTable(),
		},
		Handlers: map[string]cluster.Handler{
			CmdEngineCreate:            applyEngineCreate,
			CmdEngineUpdate:            applyEngineUpdate,
			CmdEngineDelete:            applyEngineDelete,
			CmdEngineRegenerateKey:     applyEngineRegenerateKey,
			CmdEngineUnpair:            applyEngineUnpair,
			CmdEnginePair:              applyEnginePair,
			CmdEnginePairFailed:        applyEnginePairFailed,
			CmdEngineRenewCert:         applyEngineRenewCert,
			CmdEngineFacts:             applyEngineFacts,
			CmdEngineAvailability:      applyEngineAvailability,
			CmdEngineAvailabilityBatch: applyEngineAvailabilityBatch,
			CmdEngineRetirement:        applyEngineRetirement,
		},
	}
}

// EngineByID reads an engine.
func EngineByID(txn Reader, id string) *Engine { return first[Engine](txn, tableEngines, "id", id) }

// Engines lists every engine in ID order.
func Engines(txn Reader) []*Engine { return all[Engine](txn, tableEngines, "id") }

// EnginesInCluster lists the engines of an engine cluster.
func EnginesInCluster(txn Reader, clusterID string) []*Engine {
	return all[Engine](txn, tableEngines, "cluster", clusterID)
}

// EngineTokensPerEngine is what one engine consumes of the license (Talend:
// "A Remote Engine requires 9000 engine tokens"; Talend gives no other
// figure for a Remote Engine Gen2, so it costs the same).
const EngineTokensPerEngine = 9000

// EngineTokensUsed is the engine tokens the existing engines consume.
func EngineTokensUsed(txn Reader) int { return len(Engines(txn)) * EngineTokensPerEngine }

// EngineCreateRequest creates an engine with its first pair key.
// TokenLimit is the license's engine tokens as the proposing node is
// configured (0: no limit).
type EngineCreateRequest struct {
	Engine     Engine        `json:"engine"`
	Key        PairKeyRecord `json:"key"`
	TokenLimit int           `json:"tokenLimit,omitempty"`
}

func applyEngineCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineCreateRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e := req.Engine
	if err := validName("engine name", e.Name); err != nil {
		return nil, err
	}
	if err := checkPlacement(tx.Reader, e.EnvironmentID, e.WorkspaceID); err != nil {
		return nil, err
	}
	if e.Kind == "" {
		e.Kind = EngineKindRemote
	}
	if e.Kind != EngineKindRemote && e.Kind != EngineKindRemoteGen2 {
		return nil, cluster.Reject(cluster.CodeInvalid, "engine kind must be %s or %s", EngineKindRemote, EngineKindRemoteGen2)
	}
	if engineNamed(tx.Reader, e.EnvironmentID, e.Name) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "an engine named %q already exists in this environment", e.Name)
	}
	// Counting walks every engine: only when a license limit applies, or
	// creating n engines would cost O(n²) (50,000 engines: minutes).
	if req.TokenLimit > 0 {
		if used := EngineTokensUsed(tx.Reader); used+EngineTokensPerEngine > req.TokenLimit {
			return nil, cluster.Reject(cluster.CodePrecondition,
				"not enough engine tokens: an engine needs %d and %d of the license's %d are in use", EngineTokensPerEngine, used, req.TokenLimit)
		}
	}
	e.Status, e.Availability, e.ClusterID = EngineNotPaired, EngineNotAvailable, ""
	e.CreatedAt, e.UpdatedAt = cmd.Meta.Time, cmd.Meta.Time
	if err := tx.Insert(tableEngines, &e); err != nil {
		return nil, err
	}
	if err := insertPairKey(tx, e.ID, req.Key); err != nil {
		return nil, err
	}
	return &e, nil
}

func checkPlacement(txn Reader, envID, wsID string) error {
	if EnvironmentByID(txn, envID) == nil {
		return cluster.Reject(cluster.CodeNotFound, "environment %s not found", envID)
	}
	if wsID == "" {
		return nil
	}
	ws := WorkspaceByID(txn, wsID)
	if ws == nil {
		return cluster.Reject(cluster.CodeNotFound, "workspace %s not found", wsID)
	}
	if ws.EnvironmentID != envID {
		return cluster.Reject(cluster.CodeInvalid, "workspace %s is not in environment %s", wsID, envID)
	}
	return nil
}

func engineNamed(txn Reader, envID, name string) *Engine {
	return first[Engine](txn, tableEngines, "environment_name", envID, strings.ToLower(name))
}

// engineForUpdate reads an engine for a change, or rejects with not found.
func engineForUpdate(tx *cluster.Tx, id string) (Engine, error) {
	cur := EngineByID(tx.Reader, id)
	if cur == nil {
		return Engine{}, cluster.Reject(cluster.CodeNotFound, "engine %s not found", id)
	}
	next := *cur
	next.UpdatedAt = tx.Meta.Time
	return next, nil
}

// EngineUpdate renames, describes or moves an engine (nil leaves a field).
// Moving to another environment requires the engine not to be in a cluster.
type EngineUpdate struct {
	ID            string  `json:"id"`
	Name          *string `json:"name,omitempty"`
	Description   *string `json:"description,omitempty"`
	EnvironmentID *string `json:"environmentId,omitempty"`
	WorkspaceID   *string `json:"workspaceId,omitempty"`
}

func applyEngineUpdate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineUpdate
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e, err := engineForUpdate(tx, req.ID)
	if err != nil {
		return nil, err
	}
	if req.Name != nil {
		if err := validName("engine name", *req.Name); err != nil {
			return nil, err
		}
		e.Name = *req.Name
	}
	if req.Description != nil {
		e.Description = *req.Description
	}
	if req.EnvironmentID != nil && *req.EnvironmentID != e.EnvironmentID {
		if e.ClusterID != "" {
			return nil, cluster.Reject(cluster.CodePrecondition, "engine %s is in cluster %s: remove it from the cluster before moving it", e.ID, e.ClusterID)
		}
		e.EnvironmentID, e.WorkspaceID = *req.EnvironmentID, ""
	}
	if req.WorkspaceID != nil {
		e.WorkspaceID = *req.WorkspaceID
	}
	if err := checkPlacement(tx.Reader, e.EnvironmentID, e.WorkspaceID); err != nil {
		return nil, err
	}
	if other := engineNamed(tx.Reader, e.EnvironmentID, e.Name); other != nil && other.ID != e.ID {
		return nil, cluster.Reject(cluster.CodeConflict, "an engine named %q already exists in this environment", e.Name)
	}
	return &e, tx.Insert(tableEngines, &e)
}

func applyEngineDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e := EngineByID(tx.Reader, req.ID)
	if e == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "engine %s not found", req.ID)
	}
	if err := releaseEngineDeployments(tx, e, cmd.Meta.Time); err != nil {
		return nil, err
	}
	if err := deletePairKeys(tx, e.ID); err != nil {
		return nil, err
	}
	if err := deleteRunProfilesOf(tx, e.ID); err != nil {
		return nil, err
	}
	if err := notify(tx, EventEngineDeleted, e); err != nil {
		return nil, err
	}
	return e, tx.Delete(tableEngines, e)
}

// applyEngineUnpair revokes the engine's certificates: its agent is
// disconnected and must pair again with a new key.
func applyEngineUnpair(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e, err := engineForUpdate(tx, req.ID)
	if err != nil {
		return nil, err
	}
	unpair(&e)
	return &e, tx.Insert(tableEngines, &e)
}

func unpair(e *Engine) {
	e.Status, e.Availability = EngineNotPaired, EngineNotAvailable
	e.CertSerial, e.PrevCertSerial, e.PairedAt, e.AvailableSince = "", "", time.Time{}, time.Time{}
}

// EnginesChanged returns a channel closed at the next change to any engine.
func EnginesChanged(txn Reader) <-chan struct{} {
	_, ch := watchAll[Engine](txn, tableEngines, "id")
	return ch
}
