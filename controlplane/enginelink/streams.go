package enginelink

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// acceptStreams serves the streams an agent opens after the control
// stream: its work stream and artifact downloads. It returns when the
// connection or ctx ends, once every stream handler has returned.
func (s *Server) acceptStreams(ctx context.Context, ss *session) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		str, err := ss.conn.AcceptStream(ctx)
		if err != nil {
			return
		}
		wg.Go(func() { s.serveStream(ctx, ss, str) })
	}
}

func (s *Server) serveStream(ctx context.Context, ss *session, str *quic.Stream) {
	// Both halves must end for the stream to give its credit back
	// (MaxIncomingStreams): the agent's FIN is never read here.
	defer str.CancelRead(0)
	defer str.Close()
	stop := context.AfterFunc(ctx, func() { str.CancelRead(0) })
	defer stop()
	_ = str.SetReadDeadline(time.Now().Add(s.cfg.RequestTimeout))
	m, err := protocol.ReadMessage(str)
	_ = str.SetReadDeadline(time.Time{})
	if err != nil {
		str.CancelRead(0)
		return
	}
	if s.work == nil {
		_ = protocol.WriteMessage(str, &protocol.Error{Code: protocol.CodeUnavailable, Message: "this node runs no work"})
		return
	}
	switch msg := m.(type) {
	case *protocol.WorkOpen:
		s.serveWork(ctx, ss, str, msg)
	case *protocol.ArtifactRequest:
		s.serveArtifact(ctx, ss, str, msg)
	default:
		_ = protocol.WriteMessage(str, &protocol.Error{Code: protocol.CodeBadRequest,
			Message: fmt.Sprintf("a stream cannot start with message type %d", m.MessageType())})
	}
}
