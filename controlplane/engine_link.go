package controlplane

import (
	"context"
	"sync"

	"github.com/roundhouse/roundhouse/controlplane/engines"
)

// newEngineLink prepares the agent link; it registers the heartbeat
// monitor as a leader-only loop, so it must run before the node starts.
func (s *Server) newEngineLink() error {
	resetKey, err := statelessResetKey(s.cfg.DataDir)
	if err != nil {
		return err
	}
	link, err := engines.NewLink(engines.LinkConfig{
		NodeID: s.node.ID(), Addr: s.cfg.QUICAddr,
		HeartbeatInterval: s.cfg.EngineHeartbeatInterval, HeartbeatTimeout: s.cfg.EngineHeartbeatTimeout,
		SummaryInterval:      s.cfg.EngineSummaryInterval,
		ClassicalKeyExchange: s.cfg.EngineClassicalKeyExchange, StatelessResetKey: resetKey,
		MinEngineVersion: s.cfg.EngineMinVersion,
		Work:             &engines.Work{Store: s.node, Executions: s.execs, Artifacts: s.repo, Deployments: s.cfg.Deployments},
		Mail:             &s.cfg.Mail,
		Logger:           s.cfg.Logger,
	}, s.node)
	if err != nil {
		return err
	}
	s.link = link
	return nil
}

// startEngineLink serves agents until the returned stop func is called.
// The link waits for the replicated state to hold (or create) the cluster
// CA, so a joining node starts it once it has caught up.
func (s *Server) startEngineLink(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.link.Run(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("engine link stopped", "err", err)
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

// EngineLink is the node's agent link (its heartbeat monitor, for tests
// and benchmarks that count what it writes).
func (s *Server) EngineLink() *engines.Link { return s.link }
