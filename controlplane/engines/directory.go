package engines

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// Store is what the engine domain needs from the replicated state (a
// *cluster.Node).
type Store interface {
	Read() *cluster.Reader
	ConsistentRead(ctx context.Context) (*cluster.Reader, error)
	Apply(ctx context.Context, cmd cluster.Command, out any) (uint64, error)
	// CaughtUp reports whether the replica holds every write acknowledged
	// before this node started (see cluster.Node.CaughtUp).
	CaughtUp() bool
}

// Directory adapts the replicated state to enginelink.Directory and
// enginelink.AvailabilityStore. Commands it proposes are system commands.
type Directory struct {
	store Store

	mu sync.Mutex
	ca *protocol.CA // parsed once; the CA never changes
}

// NewDirectory returns a directory over store.
func NewDirectory(store Store) *Directory { return &Directory{store: store} }

var (
	_ enginelink.Directory         = (*Directory)(nil)
	_ enginelink.AvailabilityStore = (*Directory)(nil)
)

// LinkSecrets returns the engine-link secrets, creating them on first use
// (any node may propose; the first init applied wins).
func (d *Directory) LinkSecrets(ctx context.Context) (*state.EngineLinkSecrets, error) {
	for {
		if s := state.EngineLink(d.store.Read()); s != nil {
			return s, nil
		}
		err := d.initLink(ctx)
		if rej, ok := cluster.AsRejection(err); ok && rej.Code == cluster.CodePrecondition {
			// Another node won; wait for its init to reach this replica.
			txn, cerr := d.store.ConsistentRead(ctx)
			if cerr != nil {
				return nil, fmt.Errorf("read engine link secrets: %w", cerr)
			}
			if s := state.EngineLink(txn); s != nil {
				return s, nil
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("initialise engine link: %w", err)
		}
	}
}

func (d *Directory) initLink(ctx context.Context) error {
	ca, err := protocol.NewCA("Roundhouse cluster CA", time.Now(), 20*365*24*time.Hour)
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := ca.MarshalPEM()
	if err != nil {
		return err
	}
	var secret [32]byte
	_, _ = rand.Read(secret[:])
	return d.apply(ctx, state.CmdEngineLinkInit, time.Now(), state.EngineLinkSecrets{
		CACertPEM: string(certPEM), CAKeyPEM: string(keyPEM), ForwardSecret: hex.EncodeToString(secret[:]),
	}, nil)
}

// CA implements enginelink.Directory.
func (d *Directory) CA(ctx context.Context) (*protocol.CA, error) {
	d.mu.Lock()
	ca := d.ca
	d.mu.Unlock()
	if ca != nil {
		return ca, nil
	}
	s, err := d.LinkSecrets(ctx)
	if err != nil {
		return nil, err
	}
	ca, err = protocol.ParseCA([]byte(s.CACertPEM), []byte(s.CAKeyPEM))
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.ca = ca
	d.mu.Unlock()
	return ca, nil
}

func (d *Directory) apply(ctx context.Context, typ string, now time.Time, payload, out any) error {
	cmd, err := cluster.NewCommand(typ, cluster.Meta{Time: now.UTC()}, payload)
	if err != nil {
		return err
	}
	_, err = d.store.Apply(ctx, cmd, out)
	return err
}

// Pair implements enginelink.Directory. A refused key spends one attempt
// of the source's budget in the same replicated step, so guesses spread
// over every node share one budget.
func (d *Directory) Pair(ctx context.Context, req enginelink.PairRequest) (enginelink.PairResult, error) {
	var res state.EnginePairResult
	err := d.apply(ctx, state.CmdEnginePair, req.Now, state.EnginePairRequest{
		KeyID: req.KeyID, SecretHash: req.SecretHash, CertSerial: req.CertSerial, Facts: req.Facts, Source: req.Source,
	}, &res)
	if err != nil {
		return enginelink.PairResult{}, pairError(err)
	}
	if res.Refused != "" {
		return enginelink.PairResult{}, pairError(cluster.Reject(cluster.CodePrecondition, "%s", res.Refused))
	}
	return enginelink.PairResult{EngineID: res.EngineID}, nil
}

// pairError turns the state's rejection back into protocol's sentinel.
func pairError(err error) error {
	rej, ok := cluster.AsRejection(err)
	if !ok {
		return err
	}
	for _, k := range []error{protocol.ErrPairKeyInvalid, protocol.ErrPairKeyUnknown, protocol.ErrPairKeyUsed, protocol.ErrPairKeyExpired, protocol.ErrPairRateLimited} {
		if rej.Message == k.Error() {
			return k
		}
	}
	return err
}

// EngineAuthorized implements enginelink.Directory: a local read, and when
// that refuses, a consistent read to confirm it. A replica refuses an
// engine it has not caught up on (a restarted node before its log replay,
// a follower behind a fresh pairing or renewal); only the leader's commit
// index makes the refusal final.
func (d *Directory) EngineAuthorized(ctx context.Context, engineID, serial string) error {
	if engineAuthorized(d.store.Read(), engineID, serial) {
		return nil
	}
	if !d.store.CaughtUp() {
		return fmt.Errorf("%w (this node restarted and has not caught up with the cluster: catching up)", enginelink.ErrUnconfirmed)
	}
	txn, err := d.store.ConsistentRead(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", enginelink.ErrUnconfirmed, err)
	}
	if engineAuthorized(txn, engineID, serial) {
		return nil
	}
	return enginelink.ErrNotAuthorized
}

func engineAuthorized(txn state.Reader, engineID, serial string) bool {
	e := state.EngineByID(txn, engineID)
	return e != nil && e.Status == state.EnginePaired && serial != "" &&
		(serial == e.CertSerial || serial == e.PrevCertSerial)
}

// RenewCertificate implements enginelink.Directory.
func (d *Directory) RenewCertificate(ctx context.Context, engineID, oldSerial, newSerial string) error {
	return d.apply(ctx, state.CmdEngineRenewCert, time.Now(), state.EngineCertRequest{
		EngineID: engineID, OldSerial: oldSerial, NewSerial: newSerial,
	}, nil)
}

// RecordFacts implements enginelink.Directory: it writes only a change.
func (d *Directory) RecordFacts(ctx context.Context, engineID string, facts protocol.HostFacts) error {
	if e := state.EngineByID(d.store.Read(), engineID); e == nil || e.Host == facts {
		return nil
	}
	return d.apply(ctx, state.CmdEngineFacts, time.Now(), state.EngineFactsRequest{EngineID: engineID, Facts: facts}, nil)
}

// RecordRetirement implements enginelink.Directory: it writes only a
// change, as read on this replica (the command is idempotent besides).
func (d *Directory) RecordRetirement(ctx context.Context, engineID string, retired bool) (bool, error) {
	e := state.EngineByID(d.store.Read(), engineID)
	if e == nil || e.Status != state.EnginePaired || (e.Availability == state.EngineRetired) == retired {
		return false, nil
	}
	var res state.EngineRetirementResult
	if err := d.apply(ctx, state.CmdEngineRetirement, time.Now(), state.EngineRetirementRequest{EngineID: engineID, Retired: retired}, &res); err != nil {
		return false, fmt.Errorf("record engine %s retired=%t: %w", engineID, retired, err)
	}
	return res.Changed, nil
}

// PairedEngines implements enginelink.AvailabilityStore.
func (d *Directory) PairedEngines() ([]enginelink.EngineLiveness, error) {
	var out []enginelink.EngineLiveness
	for _, e := range state.Engines(d.store.Read()) {
		if e.Status == state.EnginePaired {
			out = append(out, enginelink.EngineLiveness{EngineID: e.ID, Available: e.Availability == state.EngineAvailable})
		}
	}
	return out, nil
}

// SetAvailability implements enginelink.AvailabilityStore: one command
// for the whole batch.
func (d *Directory) SetAvailability(ctx context.Context, changes []enginelink.AvailabilityChange) ([]string, error) {
	req := state.EngineAvailabilityBatch{Changes: make([]state.EngineAvailabilityRequest, len(changes))}
	for i, c := range changes {
		req.Changes[i] = state.EngineAvailabilityRequest{EngineID: c.EngineID, Available: c.Available}
	}
	var res state.EngineAvailabilityBatchResult
	if err := d.apply(ctx, state.CmdEngineAvailabilityBatch, time.Now(), req, &res); err != nil {
		return nil, fmt.Errorf("record availability of %d engines: %w", len(changes), err)
	}
	return res.Skipped, nil
}

var _ enginelink.HeartbeatStore = (*Directory)(nil)

// RecordHeartbeats implements enginelink.HeartbeatStore: one command for
// the whole batch.
func (d *Directory) RecordHeartbeats(ctx context.Context, records []enginelink.HeartbeatRecord) ([]string, error) {
	req := state.EngineHeartbeatBatch{Records: make([]state.EngineHeartbeatRecord, len(records))}
	for i, r := range records {
		// Milliseconds: what an operator can use, and a shorter log entry.
		req.Records[i] = state.EngineHeartbeatRecord{EngineID: r.EngineID, At: r.At.UTC().Truncate(time.Millisecond), Summary: r.Summary}
	}
	var res state.EngineHeartbeatBatchResult
	if err := d.apply(ctx, state.CmdEngineHeartbeatBatch, time.Now(), req, &res); err != nil {
		return nil, fmt.Errorf("record heartbeats of %d engines: %w", len(records), err)
	}
	return res.Skipped, nil
}
