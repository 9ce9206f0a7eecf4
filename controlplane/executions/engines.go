package executions

import "github.com/roundhouse/roundhouse/controlplane/state"

// EngineDirectory is what executions need to know about engines and
// clusters. The engines layer implements it over its replicated tables;
// reads use the transaction given, so one decision sees one snapshot.
type EngineDirectory interface {
	// Runtime describes an engine (state.RuntimeEngine) or a cluster
	// (state.RuntimeEngineCluster); false when it does not exist.
	Runtime(txn state.Reader, kind, id string) (RuntimeInfo, bool)
	// AvailableEngines lists the engines that may take work of a runtime
	// now: the engine itself when it is available, or a cluster's
	// available engines. Order does not matter.
	AvailableEngines(txn state.Reader, kind, id string) []string
}

// RuntimeInfo is an engine or cluster as executions see it.
type RuntimeInfo struct {
	ID            string
	Kind          string
	Name          string
	EnvironmentID string
}

// StateEngines is the EngineDirectory over the replicated engine and
// cluster tables: an engine may take work when it is PAIRED and
// AVAILABLE (heartbeats keep that current).
type StateEngines struct{}

// Runtime implements EngineDirectory.
func (StateEngines) Runtime(txn state.Reader, kind, id string) (RuntimeInfo, bool) {
	switch kind {
	case state.RuntimeEngine:
		if e := state.EngineByID(txn, id); e != nil {
			return RuntimeInfo{ID: e.ID, Kind: kind, Name: e.Name, EnvironmentID: e.EnvironmentID}, true
		}
	case state.RuntimeEngineCluster:
		if c := state.EngineClusterByID(txn, id); c != nil {
			return RuntimeInfo{ID: c.ID, Kind: kind, Name: c.Name, EnvironmentID: c.EnvironmentID}, true
		}
	}
	return RuntimeInfo{}, false
}

// AvailableEngines implements EngineDirectory.
func (StateEngines) AvailableEngines(txn state.Reader, kind, id string) []string {
	var engines []*state.Engine
	switch kind {
	case state.RuntimeEngine:
		if e := state.EngineByID(txn, id); e != nil {
			engines = []*state.Engine{e}
		}
	case state.RuntimeEngineCluster:
		engines = state.EnginesInCluster(txn, id)
	}
	var out []string
	for _, e := range engines {
		if e.Status == state.EnginePaired && e.Availability == state.EngineAvailable {
			out = append(out, e.ID)
		}
	}
	return out
}
