package state

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/roundhouse/roundhouse/cluster"
)

// RunLimits are the execution limits in force, given by the proposer (the
// executions config) so every replica applies the same ones.
type RunLimits struct {
	Minute      time.Duration `json:"minute"`
	QueueCap    int           `json:"queueCap"`
	QueueWindow time.Duration `json:"queueWindow"`
}

// OwnerRun is one run of a task or plan started by a trigger, a webhook
// or the plan API.
type OwnerRun struct {
	Kind           string
	OwnerID        string
	ExecutionID    string
	ExecutionType  string
	Parameters     map[string]string
	TimeoutMinutes int
	Limits         RunLimits
	UserID         string
}

// NoTimeoutMinutes stands for a trigger's "No timeout": ten years, as the
// execution model needs a deadline.
const NoTimeoutMinutes = 10 * 365 * 24 * 60

// startOwnerRun creates the execution of a task (through the execution
// create handler, so every rule of a manual run applies) or a plan.
func startOwnerRun(tx *cluster.Tx, run OwnerRun, now time.Time) (string, error) {
	if run.Kind == OwnerPlan {
		return startPlanExecution(tx, run, now)
	}
	return createTaskExecution(tx, ExecutionCreateRequest{ID: run.ExecutionID, TaskID: run.OwnerID, Parameters: run.Parameters,
		TimeoutMinutes: run.TimeoutMinutes, ExecutionType: run.ExecutionType, UserID: run.UserID,
		Minute: run.Limits.Minute, QueueCap: run.Limits.QueueCap, QueueWindow: run.Limits.QueueWindow}, now)
}

func createTaskExecution(tx *cluster.Tx, req ExecutionCreateRequest, now time.Time) (string, error) {
	raw, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	out, err := applyExecutionCreate(tx, cluster.Command{Type: CmdExecutionCreate, Meta: cluster.Meta{Time: now}, Payload: raw})
	if err != nil {
		return "", err
	}
	return out.(*ExecutionCreated).ExecutionID, nil
}

// DerivedID is a deterministic UUID for a row made inside a command (a
// plan step's executions): every replica derives the same one.
func DerivedID(parts ...string) string {
	s := ""
	for _, p := range parts {
		s += p + "/"
	}
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(s)).String()
}
