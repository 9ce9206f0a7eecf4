package executions

import (
	"net/http"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// CheckRuntime verifies that a run config's engine or cluster exists and
// belongs to the task's environment (a task never runs on an engine of
// another environment).
func (s *Service) CheckRuntime(txn state.Reader, t *state.Task, rt state.Runtime) error {
	what := "engine"
	if rt.Type == state.RuntimeEngineCluster {
		what = "engine cluster"
	}
	info, ok := s.cfg.Engines.Runtime(txn, rt.Type, rt.ID)
	if !ok {
		return api.Errorf(http.StatusNotFound, api.CodeNotFound, "%s %s not found", what, rt.ID)
	}
	if info.EnvironmentID != t.EnvironmentID {
		return api.Errorf(http.StatusBadRequest, "ENGINE_OF_ANOTHER_ENVIRONMENT",
			"%s %s belongs to environment %s, but task %q is in environment %s", what, rt.ID, info.EnvironmentID, t.Name, t.EnvironmentID)
	}
	return nil
}
