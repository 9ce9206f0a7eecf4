package deployments

import (
	"fmt"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// EngineView is what a rollout decision knows of one engine.
type EngineView struct {
	Name string
	// Member: the engine is still the task's engine or in its cluster.
	Member    bool
	Available bool
}

// RolloutView is everything one rollout decision reads: a pure function of it
// decides the next step, so the logic is tested without a cluster.
type RolloutView struct {
	Now     time.Time
	Rollout *state.Rollout
	// Records are the task's current deployment records by engine ID.
	Records map[string]*state.Deployment
	Engines map[string]EngineView
}

// Decision is a step to apply (no actions: wait) and when to look again
// at the latest if nothing changes before (zero: only on a change).
type Decision struct {
	Actions []state.RolloutAction
	WakeAt  time.Time
}

// Decide moves a rollout's current batch on: drain what runs another
// version, deploy the phase's version where nothing runs, and advance
// once every engine of the batch has been RUNNING and healthy for the
// minimum time. A failed instance, an engine gone or unavailable, or the
// progress deadline fails the step. newID makes deployment IDs.
func Decide(v RolloutView, newID func() string) Decision {
	r := v.Rollout
	batch := r.BatchEngines()
	if len(batch) == 0 {
		return Decision{Actions: []state.RolloutAction{{Kind: state.ActionAdvance}}}
	}
	for _, id := range batch {
		if reason := engineGone(id, v.Engines[id]); reason != "" {
			return fail(reason)
		}
	}
	deadline := r.StepStarted.Add(r.Deadline)
	d := Decision{WakeAt: deadline}
	done := 0
	var waiting []string
	for _, id := range batch {
		rec := v.Records[id]
		waiting = append(waiting, fmt.Sprintf("%q (%s)", name(v, id), progress(rec)))
		switch {
		case rec != nil && rec.ArtifactVersion == r.Version() && rec.Desired == state.DesireRun && !failedBefore(rec, r):
			if rec.Status == protocol.DeployFailed {
				return fail(fmt.Sprintf("version %s failed on engine %q: %s", r.Version(), name(v, id), failure(rec)))
			}
			if rec.Status == protocol.DeployRunning && rec.Healthy && !rec.HealthySince.IsZero() {
				ready := rec.HealthySince.Add(r.MinHealthy)
				if !v.Now.Before(ready) {
					done++
					waiting = waiting[:len(waiting)-1]
				} else if ready.Before(d.WakeAt) {
					d.WakeAt = ready
				}
			}
		case rec != nil && rec.Desired == state.DesireRun && rec.Active():
			d.Actions = append(d.Actions, state.RolloutAction{Kind: state.ActionDrain, EngineID: id})
		case rec == nil || !rec.Active():
			d.Actions = append(d.Actions, state.RolloutAction{Kind: state.ActionDeploy, EngineID: id, DeploymentID: newID()})
		}
	}
	if done == len(batch) {
		return Decision{Actions: []state.RolloutAction{{Kind: state.ActionAdvance}}}
	}
	if v.Now.After(deadline) {
		return fail(fmt.Sprintf("progress deadline of %s passed on engine %s", r.Deadline, strings.Join(waiting, ", ")))
	}
	return d
}

// failedBefore: the instance failed in an earlier rollout (an engine that
// died while deploying it, say). A new deploy is a retry: it clears the
// failed instance and deploys again instead of failing on the old record.
func failedBefore(rec *state.Deployment, r *state.Rollout) bool {
	return rec.Status == protocol.DeployFailed && rec.RolloutID != r.ID
}

func fail(reason string) Decision {
	return Decision{Actions: []state.RolloutAction{{Kind: state.ActionFail, Reason: reason}}}
}

func engineGone(id string, e EngineView) string {
	switch {
	case !e.Member:
		return fmt.Sprintf("engine %q left the cluster during the rollout", orID(e.Name, id))
	case !e.Available:
		return fmt.Sprintf("engine %q became %s during the rollout", orID(e.Name, id), state.EngineNotAvailable)
	}
	return ""
}

func failure(d *state.Deployment) string {
	if d.Message == "" {
		return d.SubStatus
	}
	return d.SubStatus + ": " + d.Message
}

func name(v RolloutView, id string) string { return orID(v.Engines[id].Name, id) }

// progress says where an engine's record stands, for a deadline message.
func progress(d *state.Deployment) string {
	switch {
	case d == nil:
		return "nothing deployed"
	case d.Status == protocol.DeployRunning && !d.Healthy:
		return d.ArtifactVersion + " running, not healthy"
	case d.Status == protocol.DeployRunning:
		return d.ArtifactVersion + " healthy, not for long enough"
	}
	return d.ArtifactVersion + " " + d.SubStatus
}

func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name
}
