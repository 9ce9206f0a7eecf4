package executions

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Store is the replicated state as this package needs it (a *cluster.Node).
type Store interface {
	api.Store
	ID() string
}

// Service runs executions on one control-plane node.
type Service struct {
	cfg   Config
	store Store
	logs  *LogStore
	peers Peers
}

// New prepares the service; its loops run once registered (see Loops) and
// its janitor once RunJanitor is called.
func New(cfg Config, store Store) (*Service, error) {
	cfg = cfg.WithDefaults()
	logs, err := OpenLogStore(cfg.LogDir, cfg.MaxLogBytes, cfg.MaxLogMessageBytes)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, store: store, logs: logs}, nil
}

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.cfg }

// SubmitRequest asks for one run of a task.
type SubmitRequest struct {
	TaskID         string
	Parameters     map[string]string
	LogLevel       string
	TimeoutMinutes int
	ExecutionType  string // state.ExecutionManual unless a scheduler or webhook asks
	UserID         string
}

// Submit records a queued execution through raft and returns its ID once
// the record is committed: an acknowledged execution is never lost.
// Refusals come back as *api.Error with the product's status codes.
func (s *Service) Submit(ctx context.Context, meta cluster.Meta, req SubmitRequest) (string, error) {
	cmd, err := cluster.NewCommand(state.CmdExecutionCreate, meta, state.ExecutionCreateRequest{
		ID: state.NewUUID(), TaskID: req.TaskID, Parameters: req.Parameters, LogLevel: req.LogLevel,
		TimeoutMinutes: req.TimeoutMinutes, ExecutionType: req.ExecutionType, UserID: req.UserID,
		Minute: s.cfg.Minute, QueueCap: s.cfg.QueueCap, QueueWindow: s.cfg.QueueWindow,
	})
	if err != nil {
		return "", err
	}
	// The execution ID in the payload makes a retried create answer from
	// the state (see state.applyExecutionCreate): no dedupe row needed.
	cmd.ID = ""
	var out state.ExecutionCreated
	if _, err := s.store.Apply(ctx, cmd, &out); err != nil {
		return "", submitError(err)
	}
	return out.ExecutionID, nil
}

// submitError gives refusals the real API's statuses: 405 for a paused
// task, 429 for a full queue.
func submitError(err error) error {
	rej, ok := cluster.AsRejection(err)
	if !ok {
		return err
	}
	msg := rej.Message
	for _, m := range []struct {
		prefix string
		status int
		code   string
	}{
		{state.RefusalTaskPaused, http.StatusMethodNotAllowed, "TASK_PAUSED"},
		{state.RefusalQueueFull, http.StatusTooManyRequests, "EXECUTION_QUEUE_FULL"},
		{state.RefusalNotConfigured, http.StatusConflict, "TASK_NOT_CONFIGURED"},
	} {
		if strings.HasPrefix(msg, m.prefix) {
			return api.Errorf(m.status, m.code, "%s", strings.TrimPrefix(msg, m.prefix))
		}
	}
	return err
}

// ReportStatus is the entry point of engine sessions: engineID reports a
// status of the execution it was given in assignment attempt. It is
// idempotent: a repeated or stale report, or one about a finished
// execution, changes nothing and returns nil.
func (s *Service) ReportStatus(ctx context.Context, executionID string, u state.StatusUpdate) error {
	e, err := state.ExecutionByID(s.store.Read(), executionID)
	if err != nil {
		return fmt.Errorf("report on execution %s: %w", executionID, err)
	}
	if e != nil && !e.Active &&
		(e.EngineReportedStatus != "" || e.EngineID != u.EngineID || e.Attempt != u.Attempt) {
		return nil // final, and the engine's word is recorded or not its to give
	}
	cmd, err := stateIdempotent(state.CmdExecutionReport,
		state.ExecutionReportRequest{ID: executionID, Update: u, RetryDelays: s.cfg.RetryDelays})
	if err != nil {
		return err
	}
	if _, err := s.store.Apply(ctx, cmd, nil); err != nil {
		return fmt.Errorf("report %s of execution %s: %w", u.Status, executionID, err)
	}
	return nil
}

// Stop asks for an execution to stop: a queued one ends at once, one on an
// engine goes to STOPPING_FLOW_EXECUTION until the engine confirms.
func (s *Service) Stop(ctx context.Context, meta cluster.Meta, executionID string) (*state.ExecutionChange, error) {
	cmd, err := cluster.NewCommand(state.CmdExecutionStop, meta, state.IDRequest{ID: executionID})
	if err != nil {
		return nil, err
	}
	var out state.ExecutionChange
	if _, err := s.store.Apply(ctx, cmd, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
