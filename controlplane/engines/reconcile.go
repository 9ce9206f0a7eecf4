package engines

import (
	"context"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/protocol"
)

var _ enginelink.Reconciler = (*Work)(nil)

// Reconcile implements enginelink.Reconciler over the executions service.
func (w *Work) Reconcile(ctx context.Context, engineID string, known []protocol.ExecutionRef) (lost, ended []protocol.ExecutionRef, err error) {
	held := make([]executions.Attempt, 0, len(known))
	for _, k := range known {
		held = append(held, executions.Attempt{ExecutionID: k.ExecutionID, Attempt: k.Attempt})
	}
	acc, err := w.Executions.Reconcile(ctx, engineID, held)
	return refs(acc.Lost), refs(acc.Ended), err
}

func refs(as []executions.Attempt) []protocol.ExecutionRef {
	out := make([]protocol.ExecutionRef, 0, len(as))
	for _, a := range as {
		out = append(out, protocol.ExecutionRef{ExecutionID: a.ExecutionID, Attempt: a.Attempt})
	}
	return out
}
