package enginelink

import (
	"context"
	"errors"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// Directory is what the link needs from the replicated engine records.
// Reads are local (stale is fine: a revocation closes live sessions
// directly, see Server.CloseEngine); writes go through the replicated log.
type Directory interface {
	// CA returns the cluster CA that signs node and engine certificates.
	CA(ctx context.Context) (*protocol.CA, error)

	// Pair consumes the key named by req.KeyID, if its secret hash matches and
	// it is unused and unexpired, and records its engine PAIRED with
	// req.CertSerial as the current certificate: one replicated command, so
	// of two requests racing with one key exactly one wins. A refusal is one
	// of protocol.ErrPairKey* and changes nothing.
	Pair(ctx context.Context, req PairRequest) (PairResult, error)

	// EngineAuthorized returns nil when engineID exists, is PAIRED and
	// certSerial is its current or previous (pre-renewal) certificate, and
	// ErrNotAuthorized otherwise. A refusal is only ever decided on state
	// that holds every write acknowledged before the call: when the local
	// replica refuses and that cannot be confirmed (the node is catching up
	// or reaches no leader), it returns an error wrapping ErrUnconfirmed.
	EngineAuthorized(ctx context.Context, engineID, certSerial string) error

	// RenewCertificate makes newSerial the engine's current certificate and
	// oldSerial its previous one, still valid for the live session.
	RenewCertificate(ctx context.Context, engineID, oldSerial, newSerial string) error

	// RecordFacts stores the host facts an engine reported in its hello; an
	// implementation writes only when they differ from what is stored.
	RecordFacts(ctx context.Context, engineID string, facts protocol.HostFacts) error

	// RecordRetirement records a paired engine RETIRED (its agent is no
	// longer supported) or, when !retired and it is RETIRED, AVAILABLE
	// again. An implementation writes only a change (a local read first)
	// and reports whether it wrote.
	RecordRetirement(ctx context.Context, engineID string, retired bool) (changed bool, err error)
}

// PairRequest is a pairing attempt, already parsed and checked.
type PairRequest struct {
	KeyID      string             // public part of the pair key
	SecretHash string             // hex SHA-256 of the presented secret
	CertSerial string             // serial the engine certificate will carry
	Facts      protocol.HostFacts // reported by the agent
	Source     string             // remote address, for the audit trail
	Now        time.Time          // the decision time (expiry check)
}

// PairResult names the engine a key belonged to.
type PairResult struct {
	EngineID string
}

// ErrNotAuthorized means an engine identity is no longer accepted: the
// engine was deleted or unpaired, or the certificate was replaced.
var ErrNotAuthorized = errors.New("engine not authorized")

// ErrUnconfirmed means this node cannot decide now whether an engine is
// authorized: its replica refuses it but may lack the writes that would
// accept it. The agent is told to retry, never that its engine is gone.
var ErrUnconfirmed = errors.New("this node cannot confirm the engine now: it is catching up with the cluster or reaches no leader")

// HeartbeatSink receives the proof of life of engines: every hello and
// heartbeat of a session. The leader's Monitor is one; a follower's
// Forwarder batches them to the leader.
type HeartbeatSink interface {
	Heartbeat(engineID string)
}

// AvailabilityStore is what the heartbeat monitor needs from the state.
type AvailabilityStore interface {
	// PairedEngines lists every paired engine and whether it is recorded
	// AVAILABLE (local read).
	PairedEngines() ([]EngineLiveness, error)
	// SetAvailability writes changes of availability of distinct engines
	// through the replicated log as one command (the monitor keeps a batch
	// within MonitorConfig.BatchSize). It returns the engines it skipped
	// because they no longer exist or are no longer paired; every other
	// change is recorded. On an error nothing is.
	SetAvailability(ctx context.Context, changes []AvailabilityChange) (skipped []string, err error)
}

// AvailabilityChange is one engine's new availability.
type AvailabilityChange struct {
	EngineID  string
	Available bool
}

// EngineLiveness is one engine as the monitor sees it at leadership gain.
type EngineLiveness struct {
	EngineID  string
	Available bool
}
