package jobs

import "github.com/roundhouse/roundhouse/protocol"

// Known lists the execution attempts this agent holds, for WorkOpen:
// every one taken in this process and not yet acknowledged as finished,
// and every one in the ledger (taken by an earlier agent process; kept
// even when its workload is gone, so the control plane never re-queues
// an attempt that may have run). It is never nil: an empty list tells the
// control plane "none".
func (x *Executor) Known() []protocol.ExecutionRef {
	seen := map[string]bool{}
	out := []protocol.ExecutionRef{}
	add := func(execID string, attempt int) {
		key := workloadID(execID, attempt)
		if !seen[key] {
			seen[key] = true
			out = append(out, protocol.ExecutionRef{ExecutionID: execID, Attempt: attempt})
		}
	}
	x.mu.Lock()
	for _, r := range x.taken {
		add(r.ExecutionID, r.Attempt)
	}
	x.mu.Unlock()
	for _, r := range x.ledger.all() {
		add(r.ExecutionID, r.Attempt)
	}
	return out
}
