package state

import "github.com/roundhouse/roundhouse/cluster"

// ExecutionLostRequest puts an assignment back in the queue because its
// engine said, at the start of a session, that it does not hold it (the
// agent restarted without it, or never received it). The handler
// re-checks that the execution is still that attempt on that engine and
// not reported started; otherwise nothing changes.
type ExecutionLostRequest struct {
	ID       string `json:"id"`
	EngineID string `json:"engineId"`
	Attempt  int    `json:"attempt"`
}

func applyExecutionLost(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ExecutionLostRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur, err := ExecutionByID(tx.Reader, req.ID)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "execution %s not found", req.ID)
	}
	return applyEvent(tx, cur, ExecutionEvent{Kind: EventLost, At: cmd.Meta.Time, EngineID: req.EngineID, Attempt: req.Attempt})
}
