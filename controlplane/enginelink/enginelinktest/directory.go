package enginelinktest

import (
	"context"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/protocol"
)

// Directory is an in-memory enginelink.Directory and AvailabilityStore that
// follows the same rules as the replicated state. Safe for concurrent use.
type Directory struct {
	mu        sync.Mutex
	Authority *protocol.CA // the cluster CA
	keys      map[string]*key
	engines   map[string]*Engine
	writes    int // engine records availability writes changed
	batches   int // availability writes (commands)
	retires   int // retirement writes (commands)
}

type key struct {
	engineID string
	hash     string
	expires  time.Time
	used     bool
}

// Engine is one engine record.
type Engine struct {
	Paired       bool
	Serial, Prev string
	Available    bool
	Retired      bool // RETIRED: its agent is no longer supported
	Facts        protocol.HostFacts
}

// NewDirectory returns an empty directory with a fresh cluster CA.
// It panics if the system's random source fails.
func NewDirectory() *Directory {
	ca, err := protocol.NewCA("test cluster", time.Now(), 24*time.Hour)
	if err != nil {
		panic(err)
	}
	return &Directory{Authority: ca, keys: map[string]*key{}, engines: map[string]*Engine{}}
}

// AddEngine creates a NOT_PAIRED engine and returns its pair key.
func (d *Directory) AddEngine(id string, ttl time.Duration) protocol.PairKey {
	d.mu.Lock()
	d.engines[id] = &Engine{}
	d.mu.Unlock()
	return d.Regenerate(id, ttl)
}

// Regenerate replaces every key of the engine with a new one.
func (d *Directory) Regenerate(id string, ttl time.Duration) protocol.PairKey {
	k, err := protocol.NewPairKey(d.Authority.Fingerprint())
	if err != nil {
		panic(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for kid, mk := range d.keys {
		if mk.engineID == id {
			delete(d.keys, kid)
		}
	}
	d.keys[k.ID] = &key{engineID: id, hash: k.SecretHash(), expires: time.Now().Add(ttl)}
	return k
}

// DeleteEngine removes an engine and so invalidates its keys and certificates.
func (d *Directory) DeleteEngine(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.engines, id)
}

// Engine returns a copy of an engine record (zero when absent).
func (d *Directory) Engine(id string) Engine {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.engines[id]; e != nil {
		return *e
	}
	return Engine{}
}

// CA implements enginelink.Directory or AvailabilityStore.
func (d *Directory) CA(context.Context) (*protocol.CA, error) { return d.Authority, nil }

// Pair implements enginelink.Directory or AvailabilityStore.
func (d *Directory) Pair(_ context.Context, req enginelink.PairRequest) (enginelink.PairResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := d.keys[req.KeyID]
	switch {
	case k == nil || d.engines[k.engineID] == nil:
		return enginelink.PairResult{}, protocol.ErrPairKeyUnknown
	case k.hash != req.SecretHash:
		return enginelink.PairResult{}, protocol.ErrPairKeyInvalid
	case k.used:
		return enginelink.PairResult{}, protocol.ErrPairKeyUsed
	case req.Now.After(k.expires):
		return enginelink.PairResult{}, protocol.ErrPairKeyExpired
	}
	k.used = true
	e := d.engines[k.engineID]
	e.Paired, e.Serial, e.Prev, e.Facts = true, req.CertSerial, "", req.Facts
	return enginelink.PairResult{EngineID: k.engineID}, nil
}

// EngineAuthorized implements enginelink.Directory or AvailabilityStore.
func (d *Directory) EngineAuthorized(_ context.Context, engineID, serial string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.engines[engineID]
	if e == nil || !e.Paired || (serial != e.Serial && serial != e.Prev) {
		return enginelink.ErrNotAuthorized
	}
	return nil
}

// RenewCertificate implements enginelink.Directory or AvailabilityStore.
func (d *Directory) RenewCertificate(_ context.Context, engineID, oldSerial, newSerial string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.engines[engineID]
	if e == nil || !e.Paired {
		return enginelink.ErrNotAuthorized
	}
	e.Prev, e.Serial = oldSerial, newSerial
	return nil
}

// RecordFacts implements enginelink.Directory or AvailabilityStore.
func (d *Directory) RecordFacts(_ context.Context, engineID string, f protocol.HostFacts) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.engines[engineID]; e != nil {
		e.Facts = f
	}
	return nil
}

// RecordRetirement implements enginelink.Directory: RETIRED, or back
// AVAILABLE, written only on a change.
func (d *Directory) RecordRetirement(_ context.Context, engineID string, retired bool) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.engines[engineID]
	if e == nil || !e.Paired || e.Retired == retired {
		return false, nil
	}
	d.retires++
	e.Retired = retired
	e.Available = !retired
	return true, nil
}

// RetirementWrites counts the retirement writes (replicated commands, in
// the real state).
func (d *Directory) RetirementWrites() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.retires
}

// PairedEngines implements enginelink.Directory or AvailabilityStore.
func (d *Directory) PairedEngines() ([]enginelink.EngineLiveness, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []enginelink.EngineLiveness
	for id, e := range d.engines {
		if e.Paired {
			out = append(out, enginelink.EngineLiveness{EngineID: id, Available: e.Available})
		}
	}
	return out, nil
}

// SetAvailability implements enginelink.AvailabilityStore: the changes
// of one batch, skipping engines that are gone or not paired.
func (d *Directory) SetAvailability(_ context.Context, changes []enginelink.AvailabilityChange) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.batches++
	var skipped []string
	for _, c := range changes {
		e := d.engines[c.EngineID]
		if e == nil || !e.Paired || (e.Retired && !c.Available) {
			skipped = append(skipped, c.EngineID)
			continue
		}
		if e.Available != c.Available || e.Retired {
			e.Available, e.Retired = c.Available, false
			d.writes++
		}
	}
	return skipped, nil
}

// AvailabilityWrites counts the engine records availability writes changed.
func (d *Directory) AvailabilityWrites() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.writes
}

// AvailabilityBatches counts SetAvailability calls (replicated commands,
// in the real state).
func (d *Directory) AvailabilityBatches() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.batches
}

// SetPaired records a PAIRED engine with the given availability, as if it
// had paired earlier (for monitor tests).
func (d *Directory) SetPaired(id string, available bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.engines[id] = &Engine{Paired: true, Available: available}
}
