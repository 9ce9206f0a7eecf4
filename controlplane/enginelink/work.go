package enginelink

import (
	"context"
	"errors"
	"io"

	"github.com/roundhouse/roundhouse/protocol"
)

// Work is what engine sessions need from the execution side of the node:
// assignments read from the local replica, and the entry points for what
// engines report. The node wiring adapts the executions service.
type Work interface {
	// Assignments returns the engine's unfinished executions as this
	// node's replica has them, and a channel closed when they change.
	Assignments(engineID string) ([]Assignment, <-chan struct{})

	// ReportStatus records a status an engine reported. It returns nil
	// once the status is recorded, or when it no longer matters (a stale
	// attempt, a finished or unknown execution): the agent may then
	// forget it. Any other error is transient and the report is retried.
	ReportStatus(ctx context.Context, engineID string, st *protocol.ExecutionStatus) error

	// AppendLogs stores a batch of log lines of an execution.
	AppendLogs(ctx context.Context, engineID string, b *protocol.LogBatch) error

	// OpenArtifact opens an artifact archive by digest, fetching it from
	// another node first when this one lacks it. ErrArtifactNotFound
	// means no artifact has that digest.
	OpenArtifact(ctx context.Context, digest string) (io.ReadCloser, int64, error)
}

// Assignment is one unfinished execution assigned to an engine.
type Assignment struct {
	ExecutionID string
	Attempt     int
	// Start is set while the execution waits for the engine to start it.
	Start *protocol.StartExecution
	// Stop is set when a user asked to stop it.
	Stop bool
}

// ErrArtifactNotFound means no artifact has the requested digest.
var ErrArtifactNotFound = errors.New("artifact not found")
