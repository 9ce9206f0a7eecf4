package enginelink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// acceptStreams serves the streams an agent opens after the hello:
// heartbeats (answered inline: a map update and one write), renewals, its
// work stream and artifact downloads (each in a goroutine that lives as
// long as its stream). It returns when the connection or ctx ends, once
// every stream handler has returned.
func (s *Server) acceptStreams(ctx context.Context, ss *session) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for {
		str, err := ss.conn.AcceptStream(ctx)
		if err != nil {
			return
		}
		if !s.serveStream(ctx, ss, str, &wg) {
			return
		}
	}
}

// serveStream reads the first message of str and serves the stream: a
// heartbeat here, anything longer in a goroutine counted in wg. It
// reports false when the session must end.
func (s *Server) serveStream(ctx context.Context, ss *session, str *quic.Stream, wg *sync.WaitGroup) bool {
	// The agent writes its request as it opens the stream, so this wait
	// is short; a slow agent delays only its own session.
	_ = str.SetReadDeadline(time.Now().Add(s.cfg.RequestTimeout))
	defer func() { _ = str.SetReadDeadline(time.Time{}) }()
	m, err := protocol.ReadMessage(str)
	if err != nil {
		str.CancelRead(0)
		str.CancelWrite(0)
		return true
	}
	switch msg := m.(type) {
	case *protocol.Heartbeat:
		readEnd(str)
		return s.heartbeat(ctx, ss, str, msg)
	case *protocol.RenewRequest:
		readEnd(str)
		wg.Go(func() { _ = answer(str, s.renew(ctx, ss, msg), s.cfg.RequestTimeout) })
	case *protocol.WorkOpen, *protocol.ArtifactRequest:
		if s.work == nil {
			_ = answer(str, &protocol.Error{Code: protocol.CodeUnavailable, Message: "this node runs no work"}, s.cfg.RequestTimeout)
			return true
		}
		wg.Go(func() { s.serveWorkStream(ctx, ss, str, m) })
	default:
		_ = answer(str, &protocol.Error{Code: protocol.CodeBadRequest,
			Message: fmt.Sprintf("a stream cannot start with message type %d", m.MessageType())}, s.cfg.RequestTimeout)
	}
	return true
}

// readEnd reads the FIN that follows a one-message request (the agent
// sends both together), so ending the stream needs no STOP_SENDING frame.
// Anything else after the request is dropped.
func readEnd(str *quic.Stream) {
	var b [1]byte
	if n, err := str.Read(b[:]); n > 0 || !errors.Is(err, io.EOF) {
		str.CancelRead(0)
	}
}

// serveWorkStream runs a work or artifact stream until it ends.
func (s *Server) serveWorkStream(ctx context.Context, ss *session, str *quic.Stream, first protocol.Message) {
	// Both halves must end for the stream to give its credit back
	// (MaxIncomingStreams): the agent's FIN is never read here.
	defer str.CancelRead(0)
	defer str.Close()
	stop := context.AfterFunc(ctx, func() { str.CancelRead(0) })
	defer stop()
	switch msg := first.(type) {
	case *protocol.WorkOpen:
		s.serveWork(ctx, ss, str, msg)
	case *protocol.ArtifactRequest:
		s.serveArtifact(ctx, ss, str, msg)
	}
}
