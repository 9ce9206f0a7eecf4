package schedule

import (
	"sync"
	"time"
)

// Zones loads IANA time zones once and shares them between triggers: a
// loaded zone is several KiB, and loading reads the time zone database (the
// only file this package ever reads, through time.LoadLocation). One Zones
// is owned by whoever compiles triggers (the schedule service); a nil *Zones
// loads every time. Safe for concurrent use.
type Zones struct {
	mu     sync.Mutex
	loaded map[string]*time.Location
}

// NewZones returns an empty cache.
func NewZones() *Zones { return &Zones{loaded: make(map[string]*time.Location)} }

// Load returns the zone named name ("" and "UTC" are UTC).
func (z *Zones) Load(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if z == nil {
		return time.LoadLocation(name)
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if loc, ok := z.loaded[name]; ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	z.loaded[name] = loc
	return loc, nil
}
