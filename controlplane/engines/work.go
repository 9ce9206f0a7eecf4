package engines

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/artifacts"
	"github.com/roundhouse/roundhouse/controlplane/deployments"
	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// Work adapts the execution side of a node to enginelink.Work: sessions
// read assignments from this node's replica, report through the
// executions service and download archives from the artifact repository.
type Work struct {
	Store      Store
	Executions *executions.Service
	Artifacts  *artifacts.Service
	// Deployments tunes the deployment side (deploywork.go).
	Deployments deployments.Config

	metrics metricsGate
}

var _ enginelink.Work = (*Work)(nil)

// Assignments implements enginelink.Work.
func (w *Work) Assignments(engineID string) ([]enginelink.Assignment, <-chan struct{}) {
	txn := w.Store.Read()
	list, changed := state.WatchEngineExecutions(txn, engineID)
	out := make([]enginelink.Assignment, 0, len(list))
	for _, x := range list {
		a := enginelink.Assignment{ExecutionID: x.ID, Attempt: x.Attempt}
		switch x.ExecutionStatus {
		case state.ExecDispatching:
			a.Start = startMessage(txn, x)
		case state.ExecStopping:
			a.Stop = true
		}
		out = append(out, a)
	}
	return out, changed
}

// startMessage is what an engine needs to run an execution: the artifact
// by digest, the command, parameters, the run profile's limits.
func startMessage(txn state.Reader, x *state.Execution) *protocol.StartExecution {
	m := &protocol.StartExecution{
		ExecutionID: x.ID, Attempt: x.Attempt, TaskID: x.TaskID,
		Artifact:   protocol.ArtifactRef{Digest: x.ArtifactDigest, Version: x.ArtifactVersion},
		Entrypoint: x.Entrypoint, Parameters: x.Parameters, TimeoutMillis: x.Timeout.Milliseconds(),
		RunAs: x.RunAsUser, LogLevel: x.LogLevel,
	}
	if a := state.ArtifactByID(txn, x.ArtifactID); a != nil {
		m.Artifact.Name = a.Name
	}
	if v := state.ArtifactVersionByDigest(txn, x.ArtifactDigest); v != nil {
		m.Artifact.Size = v.Size
	}
	if x.RunProfileID != "" {
		if p := state.RunProfileByID(txn, x.RunProfileID); p != nil {
			l := p.Limits
			m.Limits = protocol.Limits{CPUMillis: l.CPUMillis, MemoryMB: l.MemoryMB, MaxProcesses: l.MaxProcesses, MaxOpenFiles: l.MaxOpenFiles}
		}
	}
	return m
}

// ReportStatus implements enginelink.Work: a refusal by the state (stale,
// unknown, invalid) is final, so the agent may forget the status.
func (w *Work) ReportStatus(ctx context.Context, engineID string, st *protocol.ExecutionStatus) error {
	err := w.Executions.ReportStatus(ctx, st.ExecutionID, state.StatusUpdate{
		EngineID: engineID, Attempt: st.Attempt, Status: st.Status, Message: st.Message,
		ProcessedRows: st.ProcessedRows, RejectedRows: st.RejectedRows,
	})
	if _, refused := cluster.AsRejection(err); refused {
		return nil
	}
	return err
}

// AppendLogs implements enginelink.Work; an engine writes only to the
// executions it was given.
func (w *Work) AppendLogs(ctx context.Context, engineID string, b *protocol.LogBatch) error {
	x, err := state.ExecutionByID(w.Store.Read(), b.ExecutionID)
	if err != nil {
		return fmt.Errorf("logs of execution %s: %w", b.ExecutionID, err)
	}
	if x == nil || x.EngineID != engineID {
		return fmt.Errorf("logs of execution %s: not assigned to engine %s", b.ExecutionID, engineID)
	}
	lines := make([]executions.LogLine, 0, len(b.Lines))
	for _, l := range b.Lines {
		lines = append(lines, executions.LogLine{Timestamp: l.Time, Severity: l.Severity, Message: l.Message, Attempt: b.Attempt, Seq: l.Seq})
	}
	return w.Executions.AppendLogs(ctx, b.ExecutionID, lines)
}

// OpenArtifact implements enginelink.Work.
func (w *Work) OpenArtifact(ctx context.Context, digest string) (io.ReadCloser, int64, error) {
	f, size, err := w.Artifacts.OpenBlob(ctx, digest)
	if errors.Is(err, artifacts.ErrUnknownDigest) {
		return nil, 0, fmt.Errorf("%w: %s", enginelink.ErrArtifactNotFound, digest)
	}
	return f, size, err
}
