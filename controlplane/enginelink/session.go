package enginelink

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// serveEngine runs one mutual-TLS session: identity check, hello/welcome,
// then the session until it ends. The goroutine that runs it is the only
// one this package keeps per idle session (beside one watching its work,
// once the engine opens it): in version 3 it reads the session stream,
// which carries everything; in version 2 it waits in AcceptStream, and
// each heartbeat arrives on a short stream of its own.
func (s *Server) serveEngine(ctx context.Context, conn *quic.Conn, v3 bool) {
	ss, hello, err := s.openSession(ctx, conn, v3)
	if err != nil {
		s.cfg.Logger.Warn("engine session refused", "remote", conn.RemoteAddr().String(), "err", err)
		return
	}
	// Checked before the session is registered: an unsupported agent must
	// not replace a live session of its engine.
	version := agentVersion(hello.msg)
	if why := s.versions.unsupported(version); why != "" {
		s.retire(ctx, conn, ss.engineID, version, why)
		return
	}
	var ended error // why this node ended the session; nil when the agent did
	defer func() {
		if ctx.Err() != nil { // the node is stopping: agents fail over
			_ = conn.CloseWithError(protocol.CloseShutdown, "control-plane node stopping")
			return
		}
		if ended != nil {
			s.cfg.Logger.Warn("closing engine session", "engine", ss.engineID, "reason", ended)
			_ = conn.CloseWithError(protocol.CloseNormal, ended.Error())
			return
		}
		_ = conn.CloseWithError(protocol.CloseNormal, "")
	}()
	// Registered before the welcome, so a revocation from now on finds it.
	if old := s.sessions.add(ss); old != nil {
		_ = old.conn.CloseWithError(protocol.CloseReplaced, "a newer session of this engine took over")
	}
	defer s.sessions.remove(ss)
	if err := s.dir.EngineAuthorized(ctx, ss.engineID, ss.certSerial()); err != nil {
		s.refuse(conn, ss.engineID, err)
		return
	}
	// Before the welcome: once its agent says it is connected, a formerly
	// RETIRED engine shows AVAILABLE (a local read for every other one).
	s.unretire(ctx, ss.engineID, version)
	if err := s.welcome(hello.str, v3); err != nil {
		ended = fmt.Errorf("welcome: %w", err)
		return
	}
	s.beats.Heartbeat(ss.engineID)
	// Beside the stream loop: a changed host (an upgrade) costs one
	// replicated write, which must delay neither AVAILABLE nor the acks.
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		fctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		defer cancel()
		if err := s.dir.RecordFacts(fctx, ss.engineID, hello.msg.Facts); err != nil {
			s.cfg.Logger.Warn("recording host facts failed", "engine", ss.engineID, "err", err)
		}
	})
	if v3 {
		ended = s.serveSessionStream(ctx, ss, hello.str)
		return
	}
	s.acceptStreams(ctx, ss)
}

// helloStream is the first request of a session and its stream.
type helloStream struct {
	str *quic.Stream
	msg *protocol.Hello
}

// openSession authorizes the client certificate and reads the hello.
func (s *Server) openSession(ctx context.Context, conn *quic.Conn, v3 bool) (*session, helloStream, error) {
	peer := conn.ConnectionState().TLS.PeerCertificates
	if len(peer) == 0 {
		_ = conn.CloseWithError(protocol.CloseUnauthorized, "client certificate required")
		return nil, helloStream{}, errors.New("no client certificate")
	}
	engineID, serial, err := protocol.EngineIdentity(peer[0])
	if err != nil {
		_ = conn.CloseWithError(protocol.CloseRevoked, "this engine's certificate names no engine; pair it again")
		return nil, helloStream{}, fmt.Errorf("engine certificate: %w", err)
	}
	if err := s.dir.EngineAuthorized(ctx, engineID, serial); err != nil {
		s.refuse(conn, engineID, err)
		return nil, helloStream{}, fmt.Errorf("engine %s: %w", engineID, err)
	}
	hctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	str, err := conn.AcceptStream(hctx)
	if err != nil {
		return nil, helloStream{}, fmt.Errorf("engine %s hello stream: %w", engineID, err)
	}
	hello, err := s.readHello(str, engineID, v3)
	if err != nil {
		str.CancelRead(0)
		_ = conn.CloseWithError(protocol.CloseProtocolError, err.Error())
		return nil, helloStream{}, err
	}
	return &session{engineID: engineID, serial: serial, conn: conn, since: time.Now()}, helloStream{str, hello}, nil
}

// readHello reads the first message of a session; in version 2 the
// stream ends after it, in version 3 it goes on.
func (s *Server) readHello(str *quic.Stream, engineID string, v3 bool) (*protocol.Hello, error) {
	_ = str.SetReadDeadline(time.Now().Add(s.cfg.RequestTimeout))
	defer func() { _ = str.SetReadDeadline(time.Time{}) }()
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return nil, fmt.Errorf("engine %s hello: %w", engineID, err)
	}
	if !v3 {
		readEnd(str)
	}
	hello, ok := m.(*protocol.Hello)
	if !ok || hello.EngineID != engineID {
		return nil, fmt.Errorf("engine %s: expected its hello", engineID)
	}
	return hello, nil
}

// welcome answers the hello with the pushed configuration; in version 2
// it ends the stream, in version 3 the stream goes on as the session's.
func (s *Server) welcome(str *quic.Stream, v3 bool) error {
	w := &protocol.Welcome{
		NodeID:                  s.cfg.NodeID,
		HeartbeatIntervalMillis: s.cfg.HeartbeatInterval.Milliseconds(),
		ServerTimeUnixMillis:    time.Now().UnixMilli(),
	}
	if s.cfg.Servers != nil {
		w.Servers = s.cfg.Servers()
	}
	if v3 {
		_ = str.SetWriteDeadline(time.Now().Add(s.cfg.RequestTimeout))
		defer func() { _ = str.SetWriteDeadline(time.Time{}) }()
		return protocol.WriteMessage(str, w)
	}
	return answer(str, w, s.cfg.RequestTimeout)
}

// heartbeat answers one heartbeat stream (version 2). It reports false
// when the engine is no longer authorized: the session is then closed.
func (s *Server) heartbeat(ctx context.Context, ss *session, str *quic.Stream, msg *protocol.Heartbeat) bool {
	ack, ok := s.takeHeartbeat(ctx, ss, msg)
	if ok {
		_ = answer(str, ack, s.cfg.RequestTimeout)
	}
	return ok
}

// takeHeartbeat records a heartbeat and returns its ack. It reports false
// when the engine is no longer authorized, after closing the session.
// A refusal this node cannot confirm keeps the session: it was authorized
// when it began.
func (s *Server) takeHeartbeat(ctx context.Context, ss *session, msg *protocol.Heartbeat) (*protocol.HeartbeatAck, bool) {
	if err := s.dir.EngineAuthorized(ctx, ss.engineID, ss.certSerial()); errors.Is(err, ErrNotAuthorized) {
		s.refuse(ss.conn, ss.engineID, err)
		return nil, false
	}
	s.beats.Heartbeat(ss.engineID)
	if sums, ok := s.beats.(SummarySink); ok {
		sums.HostSummary(ss.engineID, msg.Summary)
	}
	return &protocol.HeartbeatAck{Seq: msg.Seq, ServerTimeUnixMillis: time.Now().UnixMilli()}, true
}

// answer writes the one reply of a request stream and ends the stream in
// both directions, so it gives its stream credit back at once. Only a
// failed write is an error: once the reply is written the agent may stop
// reading (STOP_SENDING) before this FIN, and Close then fails though the
// agent has what it asked for; ending the session for it would drop a
// healthy engine (a welcome seen by the agent, then its session closed).
func answer(str *quic.Stream, m protocol.Message, timeout time.Duration) error {
	defer str.CancelRead(0) // a no-op once readEnd saw the agent's FIN
	_ = str.SetWriteDeadline(time.Now().Add(timeout))
	if err := protocol.WriteMessage(str, m); err != nil {
		str.CancelWrite(0)
		return err
	}
	_ = str.Close()
	return nil
}

// renew signs a new certificate for the session's engine and records its
// serial; the session's own certificate stays valid as the previous one.
func (s *Server) renew(ctx context.Context, ss *session, req *protocol.RenewRequest) protocol.Message {
	csr, err := protocol.CheckCSR(req.CSR)
	if err != nil {
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "invalid certificate request: " + err.Error()}
	}
	serial, err := protocol.NewSerial()
	if err != nil {
		return &protocol.Error{Code: protocol.CodeInternal, Message: "renewal failed; retry later"}
	}
	wctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	newSerial := protocol.SerialString(serial)
	if err := s.dir.RenewCertificate(wctx, ss.engineID, ss.certSerial(), newSerial); err != nil {
		s.cfg.Logger.Warn("certificate renewal failed", "engine", ss.engineID, "err", err)
		return &protocol.Error{Code: protocol.CodeUnavailable, Message: "renewal could not be recorded; retry later"}
	}
	der, err := s.ca.SignEngineCSR(csr, ss.engineID, newSerial, time.Now(), s.cfg.EngineCertValidity)
	if err != nil {
		return &protocol.Error{Code: protocol.CodeInternal, Message: "renewal failed; retry later"}
	}
	// The session now stands for the renewed identity: a second renewal on
	// the same session must keep it authorized.
	ss.setCertSerial(newSerial)
	s.cfg.Logger.Info("engine certificate renewed", "engine", ss.engineID)
	return &protocol.RenewResponse{Certificate: der}
}

// refuse closes conn because EngineAuthorized refused its engine, and logs
// why. Only a confirmed refusal (ErrNotAuthorized) tells the agent its
// engine is gone, which makes it stop for good; anything else tells it to
// retry.
func (s *Server) refuse(conn *quic.Conn, engineID string, err error) {
	if errors.Is(err, ErrNotAuthorized) {
		s.cfg.Logger.Warn("engine session refused: the engine is deleted, unpaired or its certificate replaced",
			"engine", engineID, "remote", conn.RemoteAddr().String())
		_ = conn.CloseWithError(protocol.CloseRevoked, "this engine is deleted, unpaired or its certificate revoked; pair it again")
		return
	}
	s.cfg.Logger.Warn("engine session refused for now: retry later", "engine", engineID,
		"remote", conn.RemoteAddr().String(), "err", err)
	_ = conn.CloseWithError(protocol.CloseRetryLater, "this control-plane node cannot confirm the engine now; retry later")
}
