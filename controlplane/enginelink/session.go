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
// then heartbeats and renewals on the control stream until it ends.
func (s *Server) serveEngine(ctx context.Context, conn *quic.Conn) {
	ss, str, hello, err := s.openSession(ctx, conn)
	if err != nil {
		s.cfg.Logger.Debug("engine session refused", "remote", conn.RemoteAddr().String(), "err", err)
		return
	}
	// Stream handlers end when the connection closes (deferred below,
	// so it runs before the wait).
	sctx, cancelStreams := context.WithCancel(ctx)
	var streams sync.WaitGroup
	defer streams.Wait()
	defer func() { _ = conn.CloseWithError(protocol.CloseNormal, "") }()
	defer cancelStreams()
	// Registered before the welcome, so a revocation from now on finds it.
	if old := s.sessions.add(ss); old != nil {
		_ = old.conn.CloseWithError(protocol.CloseReplaced, "a newer session of this engine took over")
	}
	defer s.sessions.remove(ss)
	if s.dir.EngineAuthorized(ss.engineID, ss.certSerial()) != nil {
		_ = conn.CloseWithError(protocol.CloseRevoked, "this engine was deleted or unpaired; pair it again")
		return
	}
	welcome := &protocol.Welcome{
		NodeID:                  s.cfg.NodeID,
		HeartbeatIntervalMillis: s.cfg.HeartbeatInterval.Milliseconds(),
		ServerTimeUnixMillis:    time.Now().UnixMilli(),
	}
	if s.cfg.Servers != nil {
		welcome.Servers = s.cfg.Servers()
	}
	if err := protocol.WriteMessage(str, welcome); err != nil {
		return
	}
	s.beats.Heartbeat(ss.engineID)
	streams.Go(func() { s.acceptStreams(sctx, ss) })
	// Beside the control loop: a changed host (an upgrade) costs one
	// replicated write, which must delay neither AVAILABLE nor the acks.
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		fctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		defer cancel()
		if err := s.dir.RecordFacts(fctx, ss.engineID, hello.Facts); err != nil {
			s.cfg.Logger.Warn("recording host facts failed", "engine", ss.engineID, "err", err)
		}
	})
	s.controlLoop(ctx, ss, str)
}

// openSession authorizes the client certificate and reads the hello.
func (s *Server) openSession(ctx context.Context, conn *quic.Conn) (*session, *quic.Stream, *protocol.Hello, error) {
	peer := conn.ConnectionState().TLS.PeerCertificates
	if len(peer) == 0 {
		_ = conn.CloseWithError(protocol.CloseUnauthorized, "client certificate required")
		return nil, nil, nil, errors.New("no client certificate")
	}
	engineID, serial, err := protocol.EngineIdentity(peer[0])
	if err == nil {
		err = s.dir.EngineAuthorized(engineID, serial)
	}
	if err != nil {
		_ = conn.CloseWithError(protocol.CloseRevoked, "this engine is deleted, unpaired or its certificate revoked; pair it again")
		return nil, nil, nil, fmt.Errorf("engine %s: %w", engineID, err)
	}
	hctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	str, err := conn.AcceptStream(hctx)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("engine %s control stream: %w", engineID, err)
	}
	hello, err := s.readHello(str, engineID)
	if err != nil {
		_ = conn.CloseWithError(protocol.CloseProtocolError, err.Error())
		return nil, nil, nil, err
	}
	return &session{engineID: engineID, serial: serial, conn: conn, since: time.Now()}, str, hello, nil
}

func (s *Server) readHello(str *quic.Stream, engineID string) (*protocol.Hello, error) {
	_ = str.SetReadDeadline(time.Now().Add(s.cfg.RequestTimeout))
	defer func() { _ = str.SetReadDeadline(time.Time{}) }()
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return nil, fmt.Errorf("engine %s hello: %w", engineID, err)
	}
	hello, ok := m.(*protocol.Hello)
	if !ok || hello.EngineID != engineID {
		return nil, fmt.Errorf("engine %s: expected its hello", engineID)
	}
	return hello, nil
}

// controlLoop answers the control stream. The agent paces it, so one
// goroutine per session suffices.
func (s *Server) controlLoop(ctx context.Context, ss *session, str *quic.Stream) {
	for {
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return
		}
		var reply protocol.Message
		switch msg := m.(type) {
		case *protocol.Heartbeat:
			if s.dir.EngineAuthorized(ss.engineID, ss.certSerial()) != nil {
				_ = ss.conn.CloseWithError(protocol.CloseRevoked, "this engine is deleted or unpaired")
				return
			}
			s.beats.Heartbeat(ss.engineID)
			reply = &protocol.HeartbeatAck{Seq: msg.Seq, ServerTimeUnixMillis: time.Now().UnixMilli()}
		case *protocol.RenewRequest:
			reply = s.renew(ctx, ss, msg)
		default:
			continue // a message this version does not answer
		}
		if err := protocol.WriteMessage(str, reply); err != nil {
			return
		}
	}
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
