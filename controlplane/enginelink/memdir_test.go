package enginelink

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// memDir is the in-memory Directory and AvailabilityStore of the tests; it
// follows the same rules as the replicated state.
type memDir struct {
	mu      sync.Mutex
	ca      *protocol.CA
	keys    map[string]*memKey
	engines map[string]*memEngine
	writes  int // availability writes, to prove heartbeats do not write
}

type memKey struct {
	engineID string
	hash     string
	expires  time.Time
	used     bool
}

type memEngine struct {
	paired       bool
	serial, prev string
	available    bool
	facts        protocol.HostFacts
}

func newMemDir(t *testing.T) *memDir {
	t.Helper()
	ca, err := protocol.NewCA("test cluster", time.Now(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &memDir{ca: ca, keys: map[string]*memKey{}, engines: map[string]*memEngine{}}
}

// addEngine creates a NOT_PAIRED engine and returns its pair key.
func (d *memDir) addEngine(t *testing.T, id string, ttl time.Duration) protocol.PairKey {
	d.mu.Lock()
	d.engines[id] = &memEngine{}
	d.mu.Unlock()
	return d.regenerate(t, id, ttl)
}

// regenerate replaces every key of the engine with a new one.
func (d *memDir) regenerate(t *testing.T, id string, ttl time.Duration) protocol.PairKey {
	t.Helper()
	k, err := protocol.NewPairKey(d.ca.Fingerprint())
	if err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for kid, mk := range d.keys {
		if mk.engineID == id {
			delete(d.keys, kid)
		}
	}
	d.keys[k.ID] = &memKey{engineID: id, hash: k.SecretHash(), expires: time.Now().Add(ttl)}
	return k
}

func (d *memDir) deleteEngine(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.engines, id)
}

func (d *memDir) engine(id string) memEngine {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.engines[id]; e != nil {
		return *e
	}
	return memEngine{}
}

func (d *memDir) CA(context.Context) (*protocol.CA, error) { return d.ca, nil }

func (d *memDir) Pair(_ context.Context, req PairRequest) (PairResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := d.keys[req.KeyID]
	switch {
	case k == nil || d.engines[k.engineID] == nil:
		return PairResult{}, protocol.ErrPairKeyUnknown
	case k.hash != req.SecretHash:
		return PairResult{}, protocol.ErrPairKeyInvalid
	case k.used:
		return PairResult{}, protocol.ErrPairKeyUsed
	case req.Now.After(k.expires):
		return PairResult{}, protocol.ErrPairKeyExpired
	}
	k.used = true
	e := d.engines[k.engineID]
	e.paired, e.serial, e.prev, e.facts = true, req.CertSerial, "", req.Facts
	return PairResult{EngineID: k.engineID}, nil
}

func (d *memDir) EngineAuthorized(engineID, serial string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.engines[engineID]
	if e == nil || !e.paired || (serial != e.serial && serial != e.prev) {
		return ErrNotAuthorized
	}
	return nil
}

func (d *memDir) RenewCertificate(_ context.Context, engineID, oldSerial, newSerial string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.engines[engineID]
	if e == nil || !e.paired {
		return ErrNotAuthorized
	}
	e.prev, e.serial = oldSerial, newSerial
	return nil
}

func (d *memDir) RecordFacts(_ context.Context, engineID string, f protocol.HostFacts) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.engines[engineID]; e != nil {
		e.facts = f
	}
	return nil
}

func (d *memDir) PairedEngines() ([]EngineLiveness, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []EngineLiveness
	for id, e := range d.engines {
		if e.paired {
			out = append(out, EngineLiveness{EngineID: id, Available: e.available})
		}
	}
	return out, nil
}

func (d *memDir) SetAvailability(_ context.Context, engineID string, available bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.engines[engineID]
	if e == nil {
		return ErrUnknownEngine
	}
	e.available = available
	d.writes++
	return nil
}

func (d *memDir) availabilityWrites() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.writes
}
