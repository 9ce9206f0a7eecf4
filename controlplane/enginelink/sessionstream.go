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

// serveSessionStream serves a version-3 session after its welcome: every
// message arrives on the stream that carried the hello, read here by the
// session's own goroutine. Heartbeats are answered inline (a map update
// and one write); renewals and statuses beside it; the work watcher starts
// at WorkOpen; each StreamOpen lets one more stream in. It returns when
// the stream, the connection or ctx ends, once everything it started has,
// with the reason when this node ended it (nil when the agent did).
func (s *Server) serveSessionStream(ctx context.Context, ss *session, str *quic.Stream) (reason error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	// Both halves end with the session: the connection closes right after.
	defer str.CancelRead(0)
	w := &workStream{str: str}
	working := false
	var failed sessionFailure
	for {
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return failed.get()
		}
		switch msg := m.(type) {
		case *protocol.Heartbeat:
			ack, ok := s.takeHeartbeat(ctx, ss, msg)
			if !ok {
				return errors.New("the engine is no longer authorized")
			}
			_ = w.send(ack)
		case *protocol.RenewRequest:
			wg.Go(func() { _ = w.send(s.renew(ctx, ss, msg)) })
		case *protocol.StreamOpen:
			wg.Go(func() { s.acceptAnnounced(ctx, ss) })
		case *protocol.WorkOpen:
			if s.work == nil || working {
				continue // a node without work: nothing is ever assigned
			}
			working = true
			s.startWatch(ctx, ss.engineID, w, msg, &wg, func(err error) {
				failed.set(err)
				str.CancelRead(0)
			})
		default:
			if s.work != nil && working {
				s.takeWork(ctx, ss.engineID, w, m, &wg)
			}
		}
	}
}

// sessionFailure is why a session's helper ended it, set once.
type sessionFailure struct {
	mu  sync.Mutex
	err error
}

func (f *sessionFailure) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *sessionFailure) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// acceptAnnounced takes the one stream a StreamOpen announced and serves
// it by its first message (an artifact download), as version 2 served
// every stream. An announced stream that never comes costs a wait of
// RequestTimeout.
func (s *Server) acceptAnnounced(ctx context.Context, ss *session) {
	actx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	str, err := ss.conn.AcceptStream(actx)
	cancel()
	if err != nil {
		return
	}
	_ = str.SetReadDeadline(time.Now().Add(s.cfg.RequestTimeout))
	m, err := protocol.ReadMessage(str)
	_ = str.SetReadDeadline(time.Time{})
	if err != nil {
		str.CancelRead(0)
		str.CancelWrite(0)
		return
	}
	switch m.(type) {
	case *protocol.ArtifactRequest:
		if s.work == nil {
			_ = answer(str, &protocol.Error{Code: protocol.CodeUnavailable, Message: "this node runs no work"}, s.cfg.RequestTimeout)
			return
		}
		s.serveWorkStream(ctx, ss, str, m)
	default:
		_ = answer(str, &protocol.Error{Code: protocol.CodeBadRequest,
			Message: fmt.Sprintf("an announced stream cannot start with message type %d", m.MessageType())}, s.cfg.RequestTimeout)
	}
}
