package executionstest

import (
	"sort"
	"sync"

	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Directory is an in-memory executions.EngineDirectory.
type Directory struct {
	mu       sync.Mutex
	engines  map[string]*engineRec
	clusters map[string]*clusterRec
}

type engineRec struct {
	env       string
	available bool
}

type clusterRec struct {
	env     string
	engines []string
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{engines: map[string]*engineRec{}, clusters: map[string]*clusterRec{}}
}

// AddEngine records an available engine of an environment.
func (d *Directory) AddEngine(id, envID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.engines[id] = &engineRec{env: envID, available: true}
}

// AddCluster records a cluster of engines (added with AddEngine).
func (d *Directory) AddCluster(id, envID string, engines ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clusters[id] = &clusterRec{env: envID, engines: append([]string(nil), engines...)}
}

// SetAvailable changes an engine's availability.
func (d *Directory) SetAvailable(id string, available bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.engines[id]; e != nil {
		e.available = available
	}
}

// Runtime implements executions.EngineDirectory.
func (d *Directory) Runtime(_ state.Reader, kind, id string) (executions.RuntimeInfo, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch kind {
	case state.RuntimeEngine:
		if e := d.engines[id]; e != nil {
			return executions.RuntimeInfo{ID: id, Kind: kind, Name: id, EnvironmentID: e.env}, true
		}
	case state.RuntimeEngineCluster:
		if c := d.clusters[id]; c != nil {
			return executions.RuntimeInfo{ID: id, Kind: kind, Name: id, EnvironmentID: c.env}, true
		}
	}
	return executions.RuntimeInfo{}, false
}

// AvailableEngines implements executions.EngineDirectory.
func (d *Directory) AvailableEngines(_ state.Reader, kind, id string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ids []string
	switch kind {
	case state.RuntimeEngine:
		ids = []string{id}
	case state.RuntimeEngineCluster:
		if c := d.clusters[id]; c != nil {
			ids = c.engines
		}
	}
	var out []string
	for _, e := range ids {
		if rec := d.engines[e]; rec != nil && rec.available {
			out = append(out, e)
		}
	}
	sort.Strings(out)
	return out
}
