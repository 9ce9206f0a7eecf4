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

// noEngines is the directory until the engines layer is wired in: no
// runtime exists, so run configs are refused with a clear error.
type noEngines struct{}

func (noEngines) Runtime(state.Reader, string, string) (RuntimeInfo, bool) {
	return RuntimeInfo{}, false
}
func (noEngines) AvailableEngines(state.Reader, string, string) []string { return nil }
