package enginelink

import (
	"context"
	"sync"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// retiring is the set of engines whose retirement write is in flight on
// this node: an agent retrying meanwhile costs no second write.
type retiring struct {
	mu  sync.Mutex
	ids map[string]struct{}
}

func (r *retiring) begin(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, busy := r.ids[id]; busy {
		return false
	}
	if r.ids == nil {
		r.ids = map[string]struct{}{}
	}
	r.ids[id] = struct{}{}
	return true
}

func (r *retiring) end(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.ids, id)
}

// agentVersion is the version a hello reports: the agent's own, or the
// engine version of its host facts when an agent left the former empty.
func agentVersion(h *protocol.Hello) string {
	if h.AgentVersion != "" {
		return h.AgentVersion
	}
	return h.Facts.EngineVersion
}

// retire tells an unsupported agent to upgrade (the connection is closed
// first, so it hears it at once) and records its engine RETIRED, once:
// its retries find the record already written, or the write in flight.
func (s *Server) retire(ctx context.Context, conn *quic.Conn, engineID, version, why string) {
	_ = conn.CloseWithError(protocol.CloseUnsupportedVersion, why)
	if !s.retiring.begin(engineID) {
		return
	}
	defer s.retiring.end(engineID)
	wctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	changed, err := s.dir.RecordRetirement(wctx, engineID, true)
	switch {
	case err != nil:
		s.cfg.Logger.Warn("recording an engine RETIRED failed; its next attempt retries", "engine", engineID, "err", err)
	case changed:
		s.cfg.Logger.Warn("engine RETIRED: its agent is no longer supported", "engine", engineID,
			"agentVersion", version, "minimum", s.minVersion(), "why", why)
	default:
		s.cfg.Logger.Debug("unsupported agent refused", "engine", engineID, "agentVersion", version)
	}
}

// unretire brings a RETIRED engine back now that a supported agent
// connected (a local read when it is not RETIRED: no write). It runs
// before the session's first heartbeat reaches the monitor, so that one
// finds the engine AVAILABLE to time out; a failed write is left to the
// heartbeats, which bring a RETIRED engine back too.
func (s *Server) unretire(ctx context.Context, engineID, version string) {
	wctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	changed, err := s.dir.RecordRetirement(wctx, engineID, false)
	switch {
	case err != nil:
		s.cfg.Logger.Warn("recording a retired engine back failed", "engine", engineID, "err", err)
	case changed:
		s.cfg.Logger.Info("engine back from RETIRED: a supported agent connected", "engine", engineID, "agentVersion", version)
	}
}

// refuseRetiredProtocol answers an agent speaking a session protocol this
// node no longer serves. Its client certificate was verified in the
// handshake, so a paired engine is recorded RETIRED.
func (s *Server) refuseRetiredProtocol(ctx context.Context, conn *quic.Conn) {
	why := "this control plane speaks " + protocol.ALPNEngine + ", not " + protocol.ALPNEngineV1
	if s.versions.set {
		why += " (minimum roundhouse-engine " + s.minVersion() + ")"
	}
	why += ": upgrade roundhouse-engine on this host"
	peer := conn.ConnectionState().TLS.PeerCertificates
	if len(peer) == 0 {
		_ = conn.CloseWithError(protocol.CloseUnsupportedVersion, why)
		return
	}
	engineID, serial, err := protocol.EngineIdentity(peer[0])
	if err != nil || s.dir.EngineAuthorized(ctx, engineID, serial) != nil {
		_ = conn.CloseWithError(protocol.CloseUnsupportedVersion, why)
		return
	}
	s.retire(ctx, conn, engineID, protocol.ALPNEngineV1, why)
}

func (s *Server) minVersion() string {
	if !s.versions.set {
		return ""
	}
	return s.versions.min.String()
}
