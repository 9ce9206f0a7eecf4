package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/protocol"
)

// Rollout statuses and phases.
const (
	RolloutInProgress = "IN_PROGRESS"
	RolloutSuccessful = "SUCCESSFUL"
	RolloutFailed     = "FAILED"
	RolloutRolledBack = "ROLLED_BACK"
	RolloutCancelled  = "CANCELLED"

	PhaseForward  = "FORWARD"
	PhaseRollback = "ROLLBACK"
)

// Rollout is one deploy of a service task across its engines, kept in the
// replicated state so a new leader resumes it where the old one stopped.
// It moves batch by batch (one engine when rolling, every engine
// otherwise); the deployment watcher decides each step.
type Rollout struct {
	ID              string        `json:"id"`
	TaskID          string        `json:"taskId"`
	Strategy        string        `json:"strategy"`
	TargetVersion   string        `json:"targetVersion"`
	PreviousVersion string        `json:"previousVersion,omitempty"`
	Engines         []string      `json:"engines"`
	RollbackEngines []string      `json:"rollbackEngines,omitempty"`
	Phase           string        `json:"phase"`
	Batch           int           `json:"batch"`
	StepStarted     time.Time     `json:"stepStarted"`
	Status          string        `json:"status"`
	Message         string        `json:"message,omitempty"`
	Rollback        bool          `json:"rollback"`
	MinHealthy      time.Duration `json:"minHealthy"`
	Deadline        time.Duration `json:"progressDeadline"`
	ShutdownDelay   time.Duration `json:"shutdownDelay"`
	CustomPort      int           `json:"customPort,omitempty"`
	Revision        int           `json:"revision"`
	CreatedBy       string        `json:"createdBy"`
	CreatedAt       time.Time     `json:"createdAt"`
	UpdatedAt       time.Time     `json:"updatedAt"`
}

// Version is what the current phase deploys.
func (r *Rollout) Version() string {
	if r.Phase == PhaseRollback {
		return r.PreviousVersion
	}
	return r.TargetVersion
}

// PhaseEngines are the engines the current phase goes through, in order.
func (r *Rollout) PhaseEngines() []string {
	if r.Phase == PhaseRollback {
		return r.RollbackEngines
	}
	return r.Engines
}

// Batches is how many steps the current phase has.
func (r *Rollout) Batches() int {
	if r.Strategy == StrategyRolling {
		return len(r.PhaseEngines())
	}
	return 1
}

// BatchEngines are the engines of the current step.
func (r *Rollout) BatchEngines() []string {
	engines := r.PhaseEngines()
	if r.Strategy != StrategyRolling {
		return engines
	}
	if r.Batch >= len(engines) {
		return nil
	}
	return engines[r.Batch : r.Batch+1]
}

const (
	tableRollouts = "rollouts"

	CmdRolloutStart = "rollout.start"
	CmdRolloutStep  = "rollout.step"
)

func rolloutSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableRollouts, func() any { return new(Rollout) }, idIndex(),
				stringIndex("task", "TaskID", false), stringIndex("status", "Status", false)),
		},
		Handlers: map[string]cluster.Handler{
			CmdRolloutStart: applyRolloutStart,
			CmdRolloutStep:  applyRolloutStep,
		},
	}
}

// RolloutByID reads a rollout.
func RolloutByID(txn Reader, id string) *Rollout { return first[Rollout](txn, tableRollouts, "id", id) }

// RolloutsOfTask lists a task's rollouts.
func RolloutsOfTask(txn Reader, taskID string) []*Rollout {
	return all[Rollout](txn, tableRollouts, "task", taskID)
}

// ActiveRolloutOf returns a task's rollout in progress, if any.
func ActiveRolloutOf(txn Reader, taskID string) *Rollout {
	for _, r := range RolloutsOfTask(txn, taskID) {
		if r.Status == RolloutInProgress {
			return r
		}
	}
	return nil
}

// WatchActiveRollouts returns the rollouts in progress and a channel
// closed when that set changes.
func WatchActiveRollouts(txn Reader) ([]*Rollout, <-chan struct{}) {
	return watchAll[Rollout](txn, tableRollouts, "status", RolloutInProgress)
}

func cancelRollout(tx *cluster.Tx, taskID, why string, now time.Time) error {
	r := ActiveRolloutOf(tx.Reader, taskID)
	if r == nil {
		return nil
	}
	next := *r
	next.Status, next.Message, next.UpdatedAt = RolloutCancelled, why, now
	next.Revision++
	return tx.Insert(tableRollouts, &next)
}

// Rollout step actions, decided by the deployment watcher.
const (
	ActionDrain   = "drain"   // ask the engine's other instance to stop
	ActionDeploy  = "deploy"  // create the phase version's deployment on the engine
	ActionAdvance = "advance" // the step is done: next batch, or finish
	ActionFail    = "fail"    // the step failed: roll back or stop
)

// RolloutAction is one decision of a step.
type RolloutAction struct {
	Kind         string `json:"kind"`
	EngineID     string `json:"engineId,omitempty"`
	DeploymentID string `json:"deploymentId,omitempty"` // new, for deploy
	Reason       string `json:"reason,omitempty"`
}

// RolloutStepRequest applies decisions made on Revision of a rollout; a
// rollout that moved on since ignores them.
type RolloutStepRequest struct {
	RolloutID string          `json:"rolloutId"`
	Revision  int             `json:"revision"`
	Actions   []RolloutAction `json:"actions"`
}

func applyRolloutStep(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req RolloutStepRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := RolloutByID(tx.Reader, req.RolloutID)
	if cur == nil || cur.Status != RolloutInProgress || cur.Revision != req.Revision {
		return nil, nil // decided on an older state: the watcher decides again
	}
	next := *cur
	next.Revision++
	next.UpdatedAt = cmd.Meta.Time
	for _, a := range req.Actions {
		if err := applyRolloutAction(tx, &next, a, cmd); err != nil {
			return nil, err
		}
	}
	return nil, tx.Insert(tableRollouts, &next)
}

func applyRolloutAction(tx *cluster.Tx, r *Rollout, a RolloutAction, cmd cluster.Command) error {
	now := cmd.Meta.Time
	switch a.Kind {
	case ActionDrain:
		return drain(tx, DeploymentOf(tx.Reader, r.TaskID, a.EngineID), r.ShutdownDelay, now)
	case ActionDeploy:
		return deployVersion(tx, r, a.EngineID, a.DeploymentID, now)
	case ActionAdvance:
		r.Batch++
		r.StepStarted = now
		if r.Batch >= r.Batches() {
			r.Status = RolloutSuccessful
			if r.Phase == PhaseRollback {
				r.Status = RolloutRolledBack
			}
		}
	case ActionFail:
		failRollout(r, a.Reason, now)
	}
	return nil
}

// failRollout stops a rollout, or turns it back: the engines it already
// went through (and the failed one) get the previous version again.
func failRollout(r *Rollout, reason string, now time.Time) {
	if r.Phase == PhaseForward && r.Rollback && r.PreviousVersion != "" && r.PreviousVersion != r.TargetVersion {
		done := r.Engines
		if r.Strategy == StrategyRolling && r.Batch+1 < len(done) {
			done = done[:r.Batch+1]
		}
		r.Phase, r.RollbackEngines, r.Batch, r.StepStarted = PhaseRollback, append([]string(nil), done...), 0, now
		r.Message = "rolling back to " + r.PreviousVersion + ": " + reason
		return
	}
	if r.Phase == PhaseRollback {
		reason = "rollback failed: " + reason + " (" + r.Message + ")"
	}
	r.Status, r.Message = RolloutFailed, reason
}

// deployVersion supersedes the engine's record with a new deployment of
// the phase's version.
func deployVersion(tx *cluster.Tx, r *Rollout, engineID, deploymentID string, now time.Time) error {
	if deploymentID == "" || DeploymentByID(tx.Reader, deploymentID) != nil {
		return cluster.Reject(cluster.CodeInvalid, "deploy action needs a new deployment ID")
	}
	t := TaskByID(tx.Reader, r.TaskID)
	if t == nil {
		return cluster.Reject(cluster.CodeNotFound, "task %s not found", r.TaskID)
	}
	v := ArtifactVersionOf(tx.Reader, t.ArtifactID, r.Version())
	if v == nil {
		return cluster.Reject(cluster.CodePrecondition, "artifact version %s of task %q no longer exists", r.Version(), t.Name)
	}
	if err := supersede(tx, DeploymentOf(tx.Reader, r.TaskID, engineID), now); err != nil {
		return err
	}
	d := &Deployment{ID: r.TaskID + "/" + engineID, DeploymentID: deploymentID, TaskID: r.TaskID, EngineID: engineID,
		Status: protocol.DeployDeploying, SubStatus: protocol.SubSendingDeploy, ArtifactVersion: v.Version, ArtifactDigest: v.Digest,
		CustomPort: r.CustomPort, Port: r.CustomPort, DeployedBy: r.CreatedBy, Start: now, RolloutID: r.ID, Desired: DesireRun, UpdatedAt: now}
	return tx.Insert(tableDeployments, d)
}
