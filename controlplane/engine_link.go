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
		NodeID: s.node.ID(), Addr: s.cfg.QUICAddr, PacketConn: s.udp,
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
// CA, so a joining node starts it once it has caught up. failed receives
// the error that stopped the link early: a node that cannot serve engines
// stops rather than run half-alive.
func (s *Server) startEngineLink(ctx context.Context) (stop func(), failed <-chan error) {
	ctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.link.Run(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("engine link stopped", "err", err)
			errc <- err
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}, errc
}

// EngineLink is the node's agent link (its heartbeat monitor, for tests
// and benchmarks that count what it writes).
func (s *Server) EngineLink() *engines.Link { return s.link }
