package executions

import (
	"context"
	"fmt"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// AppendLogs is the entry point of engine sessions for log lines of an
// execution. Lines are stored on this node only; the first lines of an
// execution here are followed by one replicated command recording that
// this node holds some, so any node can find them.
func (s *Service) AppendLogs(ctx context.Context, executionID string, lines []LogLine) error {
	if e, err := state.ExecutionByID(s.store.Read(), executionID); err != nil {
		return fmt.Errorf("logs of execution %s: %w", executionID, err)
	} else if e == nil {
		return fmt.Errorf("logs of execution %s: no such execution", executionID)
	}
	created, err := s.logs.Append(executionID, lines)
	if err != nil {
		return err
	}
	if !created {
		return nil
	}
	cmd, err := stateIdempotent(state.CmdExecutionLogNode, state.ExecutionLogNodeRequest{ID: executionID, NodeID: s.store.ID()})
	if err != nil {
		return err
	}
	if _, err := s.store.Apply(ctx, cmd, nil); err != nil {
		return fmt.Errorf("record log holder of execution %s: %w", executionID, err)
	}
	return nil
}

// Retention is the leader loop deleting execution records older than the
// retention, in bounded batches.
func (s *Service) Retention(ctx context.Context) {
	t := time.NewTicker(s.cfg.RetentionEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.pruneRecords(ctx)
		}
	}
}

func (s *Service) pruneRecords(ctx context.Context) {
	const batch = 1000
	for ctx.Err() == nil {
		cmd, err := cluster.NewCommand(state.CmdExecutionPrune, cluster.Meta{},
			state.ExecutionPruneRequest{Before: time.Now().Add(-s.cfg.Retention), Max: batch})
		if err != nil {
			return
		}
		var ids []string
		if _, err := s.store.Apply(ctx, cmd, &ids); err != nil {
			if ctx.Err() == nil {
				s.cfg.Logger.Warn("execution retention", "err", err)
			}
			return
		}
		if len(ids) < batch {
			return
		}
	}
}

// RunJanitor deletes this node's log files older than the retention until
// ctx ends. Every node runs it: logs are per node.
func (s *Service) RunJanitor(ctx context.Context) {
	t := time.NewTicker(s.cfg.RetentionEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.logs.Prune(time.Now().Add(-s.cfg.Retention)); err != nil {
				s.cfg.Logger.Warn("execution log retention", "err", err)
			}
		}
	}
}
