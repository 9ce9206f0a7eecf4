package enginelink

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// Server is the QUIC listener that serves agents on one node.
type Server struct {
	cfg      Config
	dir      Directory
	beats    HeartbeatSink
	work     Work
	ca       *protocol.CA
	ln       *quic.Listener
	tr       *quic.Transport
	udp      net.PacketConn
	sessions *registry
	limiter  *sourceLimiter
	versions versionPolicy
	retiring retiring
	wg       sync.WaitGroup
}

// New checks cfg and prepares a server; Listen binds it.
func New(cfg Config, dir Directory, beats HeartbeatSink) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	versions, err := newVersionPolicy(cfg.MinEngineVersion)
	if err != nil {
		return nil, fmt.Errorf("engine link: %w", err)
	}
	return &Server{
		versions: versions,
		cfg:      cfg,
		dir:      dir,
		beats:    beats,
		work:     cfg.Work,
		sessions: newRegistry(),
		limiter:  newSourceLimiter(cfg.PairAttemptsPerMinute, cfg.PairBurst),
	}, nil
}

// Listen loads the cluster CA, issues this node's certificate and binds the
// UDP socket. Serve must follow.
func (s *Server) Listen(ctx context.Context) error {
	ca, err := s.dir.CA(ctx)
	if err != nil {
		return fmt.Errorf("engine link: load cluster CA: %w", err)
	}
	cert, err := ca.IssueServerCertificate(s.cfg.NodeID, s.cfg.Hosts, time.Now(), s.cfg.ServerCertValidity)
	if err != nil {
		return fmt.Errorf("engine link: %w", err)
	}
	udp := s.cfg.PacketConn
	if udp == nil {
		if udp, err = net.ListenPacket("udp", s.cfg.Addr); err != nil {
			return fmt.Errorf("engine link: listen on %s: %w", s.cfg.Addr, err)
		}
	}
	s.udp, s.tr = udp, &quic.Transport{Conn: udp, StatelessResetKey: s.cfg.StatelessResetKey}
	ln, err := s.tr.Listen(tlsConfig(ca, cert, s.cfg.ClassicalKeyExchange), s.quicConfig())
	if err != nil {
		_ = s.tr.Close()
		_ = udp.Close()
		return fmt.Errorf("engine link: listen on %s: %w", s.cfg.Addr, err)
	}
	s.ca, s.ln = ca, ln
	return nil
}

// quicConfig keeps per-connection memory small: a session carries small
// control messages, so flow-control windows need not grow to megabytes.
// These windows bound what agents send (hello, statuses, logs); artifact
// downloads flow the other way, paced by the agent's windows. The protocol
// uses bidirectional streams only: in version 3 the session stream and one
// per artifact download; in version 2 also one per heartbeat or renewal.
// The stream limit costs nothing until used (quic-go allocates streams as
// they open); in version 2 it must leave room for a heartbeat beside
// concurrent downloads, or the heartbeat would wait for a download to
// end. No keep-alive: heartbeats
// keep the connection alive, and the idle timeout is set above the
// heartbeat timeout (the smaller of both sides' applies).
func (s *Server) quicConfig() *quic.Config {
	return &quic.Config{
		HandshakeIdleTimeout:           s.cfg.RequestTimeout,
		MaxIdleTimeout:                 s.cfg.HeartbeatTimeout + s.cfg.HeartbeatInterval,
		MaxIncomingStreams:             16,
		MaxIncomingUniStreams:          -1,
		InitialStreamReceiveWindow:     64 << 10,
		MaxStreamReceiveWindow:         512 << 10,
		InitialConnectionReceiveWindow: 128 << 10,
		MaxConnectionReceiveWindow:     1 << 20,
	}
}

// Addr is the bound UDP address (after Listen).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts agents until ctx ends, then closes every session with
// CloseShutdown (agents fail over) and waits for their goroutines.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		return errors.New("engine link: Serve before Listen")
	}
	defer s.shutdown()
	for {
		conn, err := s.ln.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("engine link: accept: %w", err)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(ctx, conn)
		}()
	}
}

// shutdown runs once Serve's context is done: every connection's
// AfterFunc (see handle) has closed it, so the handlers return.
func (s *Server) shutdown() {
	_ = s.ln.Close()
	s.wg.Wait()
	_ = s.tr.Close()
	_ = s.udp.Close() // a Transport does not close a socket it was given
}

func (s *Server) handle(ctx context.Context, conn *quic.Conn) {
	// Blocking stream reads do not watch ctx: closing the connection when
	// the node stops is what ends them (and tells agents to fail over).
	stop := context.AfterFunc(ctx, func() {
		_ = conn.CloseWithError(protocol.CloseShutdown, "control-plane node stopping")
	})
	defer stop()
	switch conn.ConnectionState().TLS.NegotiatedProtocol {
	case protocol.ALPNPair:
		s.servePairing(ctx, conn)
	case protocol.ALPNEngine:
		s.serveEngine(ctx, conn, true)
	case protocol.ALPNEngineV2:
		s.serveEngine(ctx, conn, false)
	case protocol.ALPNEngineV1:
		s.refuseRetiredProtocol(ctx, conn)
	default:
		_ = conn.CloseWithError(protocol.CloseProtocolError, "unknown ALPN")
	}
}

// CloseEngine closes the live session of engineID on this node, if any:
// call it when the engine is deleted or unpaired, on every node.
func (s *Server) CloseEngine(engineID, reason string) bool {
	ss := s.sessions.get(engineID)
	if ss == nil {
		return false
	}
	s.cfg.Logger.Info("closing engine session", "engine", engineID, "reason", reason)
	_ = ss.conn.CloseWithError(protocol.CloseRevoked, reason)
	return true
}

// CloseRevoked closes every live session on this node whose engine is no
// longer authorized by the directory (deleted, unpaired, key regenerated),
// and returns how many it closed. Call it when engine records change.
// A refusal this node cannot confirm (ErrUnconfirmed) closes nothing.
func (s *Server) CloseRevoked(ctx context.Context) int {
	n := 0
	for _, ss := range s.sessions.all() {
		if err := s.dir.EngineAuthorized(ctx, ss.engineID, ss.certSerial()); errors.Is(err, ErrNotAuthorized) {
			s.refuse(ss.conn, ss.engineID, err)
			n++
		}
	}
	return n
}

// Connected reports whether engineID has a live session on this node.
func (s *Server) Connected(engineID string) bool { return s.sessions.get(engineID) != nil }

// SessionCount is the number of live engine sessions on this node.
func (s *Server) SessionCount() int { return s.sessions.len() }
