package enginesession

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// Dialer opens a QUIC connection to a control-plane node. The zero value
// is quic.DialAddr; a load generator shares a few UDP sockets instead.
type Dialer func(ctx context.Context, addr string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error)

func (d Dialer) dial(ctx context.Context, addr string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
	if d == nil {
		return quic.DialAddr(ctx, addr, tlsConf, conf)
	}
	return d(ctx, addr, tlsConf, conf)
}

// Options shape a session's connection.
type Options struct {
	// TLS is the session's mutual TLS (SessionTLS).
	TLS *tls.Config
	// QUIC configures the connection; nil is quic-go's defaults.
	QUIC *quic.Config
	// Dial defaults to quic.DialAddr.
	Dial Dialer
	// Timeout bounds the dial and the hello together.
	Timeout time.Duration
}

// Session is the session stream of one session (protocol version 3):
// everything the engine says goes on it (heartbeats, renewals, statuses,
// log batches, deployment reports), and everything the server says comes
// back on it. Writes are serialised so a frame is never interleaved with
// another; answers are handed from the stream's reader (Serve) to the
// waiting request.
type Session struct {
	conn *quic.Conn
	str  *quic.Stream

	mu      sync.Mutex
	acks    chan *protocol.HeartbeatAck
	replies chan protocol.Message // RenewResponse or Error
}

// Open dials server, opens the session stream, says hello on it and
// reads the Welcome (an Error answer is returned as the error). Errors
// name the step that failed ("connect", "hello"). The caller closes the
// session.
func Open(ctx context.Context, server string, hello *protocol.Hello, o Options) (*Session, *protocol.Welcome, error) {
	dctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	conn, err := o.Dial.dial(dctx, server, o.TLS, o.QUIC)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	s, w, err := sayHello(dctx, conn, hello, o.Timeout)
	if err != nil {
		_ = conn.CloseWithError(protocol.CloseNormal, "")
		return nil, nil, fmt.Errorf("hello: %w", err)
	}
	return s, w, nil
}

func sayHello(ctx context.Context, conn *quic.Conn, hello *protocol.Hello, timeout time.Duration) (*Session, *protocol.Welcome, error) {
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("open session stream: %w", err)
	}
	s := &Session{conn: conn, str: str, acks: make(chan *protocol.HeartbeatAck, 1), replies: make(chan protocol.Message, 1)}
	if err := s.Send(hello); err != nil {
		return nil, nil, err
	}
	_ = str.SetReadDeadline(time.Now().Add(timeout))
	m, err := protocol.ReadMessage(str)
	_ = str.SetReadDeadline(time.Time{})
	if err != nil {
		return nil, nil, err
	}
	switch w := m.(type) {
	case *protocol.Welcome:
		return s, w, nil
	case *protocol.Error:
		return nil, nil, w
	}
	return nil, nil, fmt.Errorf("expected welcome, got message type %d", m.MessageType())
}

// Close closes the session's connection with code and reason.
func (s *Session) Close(code quic.ApplicationErrorCode, reason string) {
	_ = s.conn.CloseWithError(code, reason)
}

// Context ends when the session's connection closes; its cause says why.
func (s *Session) Context() context.Context { return s.conn.Context() }

// Send writes msgs in one write, so they leave in one packet when they
// fit (a heartbeat and the report riding with it).
func (s *Session) Send(msgs ...protocol.Message) error {
	var b []byte
	for _, m := range msgs {
		f, err := protocol.Encode(m)
		if err != nil {
			return err
		}
		if b, err = protocol.AppendFrame(b, f); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.str.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := s.str.Write(b); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// OpenStream announces a stream on the session stream (StreamOpen: the
// server accepts one stream per announcement) and opens it.
func (s *Session) OpenStream(ctx context.Context) (*quic.Stream, error) {
	if err := s.Send(&protocol.StreamOpen{}); err != nil {
		return nil, fmt.Errorf("announce stream: %w", err)
	}
	return s.conn.OpenStreamSync(ctx)
}

// Serve reads the session stream until it ends or ctx ends: answers go
// to their waiters (Heartbeat, Request), every other message to handle,
// in order, on Serve's goroutine.
func (s *Session) Serve(ctx context.Context, handle func(protocol.Message)) error {
	stop := context.AfterFunc(ctx, func() { s.str.CancelRead(0) })
	defer stop()
	for {
		m, err := protocol.ReadMessage(s.str)
		if err != nil {
			return err
		}
		switch msg := m.(type) {
		case *protocol.HeartbeatAck:
			deliver(s.acks, msg)
		case *protocol.RenewResponse, *protocol.Error:
			deliver(s.replies, m)
		default:
			handle(m)
		}
	}
}

// deliver hands an answer to its waiter; with none waiting, it replaces
// an unclaimed older one (a late answer to a request that timed out).
func deliver[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// drain drops an unclaimed answer before a new request.
func drain[T any](ch chan T) {
	select {
	case <-ch:
	default:
	}
}

// Heartbeat sends one heartbeat, after the messages riding with it in
// the same write, and waits within timeout for its ack, which Serve
// reads.
func (s *Session) Heartbeat(ctx context.Context, hb *protocol.Heartbeat, timeout time.Duration, with ...protocol.Message) error {
	drain(s.acks)
	if err := s.Send(append(with, hb)...); err != nil {
		return err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.conn.Context().Done():
			return context.Cause(s.conn.Context())
		case <-t.C:
			return fmt.Errorf("no heartbeat ack within %s", timeout)
		case ack := <-s.acks:
			if ack.Seq == hb.Seq {
				return nil
			}
		}
	}
}

// HeartbeatAndRead is Heartbeat for a session nobody Serves: it reads
// the stream itself until the ack, within timeout, dropping anything
// else. For an engine that is never given work, it keeps one goroutine a
// session.
func (s *Session) HeartbeatAndRead(hb *protocol.Heartbeat, timeout time.Duration, with ...protocol.Message) error {
	if err := s.Send(append(with, hb)...); err != nil {
		return err
	}
	_ = s.str.SetReadDeadline(time.Now().Add(timeout))
	defer func() { _ = s.str.SetReadDeadline(time.Time{}) }()
	for {
		m, err := protocol.ReadMessage(s.str)
		if err != nil {
			return err
		}
		if ack, ok := m.(*protocol.HeartbeatAck); ok && ack.Seq == hb.Seq {
			return nil
		}
	}
}

// Request sends m and waits for its answer (RenewResponse, or Error
// returned as the error) within timeout. One request at a time; Serve
// must be running.
func (s *Session) Request(ctx context.Context, m protocol.Message, timeout time.Duration) (protocol.Message, error) {
	drain(s.replies)
	if err := s.Send(m); err != nil {
		return nil, err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.conn.Context().Done():
		return nil, context.Cause(s.conn.Context())
	case <-t.C:
		return nil, fmt.Errorf("no answer within %s", timeout)
	case r := <-s.replies:
		if e, ok := r.(*protocol.Error); ok {
			return nil, e
		}
		return r, nil
	}
}

// Renew asks for a certificate for a fresh key over the session and
// returns both; the caller saves them and uses them from the next
// handshake on. Serve must be running.
func (s *Session) Renew(ctx context.Context, engineID string, timeout time.Duration) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := protocol.NewEngineKey()
	if err != nil {
		return nil, nil, err
	}
	csr, err := protocol.NewCSR(key, engineID)
	if err != nil {
		return nil, nil, err
	}
	reply, err := s.Request(ctx, &protocol.RenewRequest{CSR: csr}, timeout)
	if err != nil {
		return nil, nil, fmt.Errorf("renew certificate: %w", err)
	}
	resp, ok := reply.(*protocol.RenewResponse)
	if !ok {
		return nil, nil, fmt.Errorf("renew certificate: unexpected answer type %d", reply.MessageType())
	}
	cert, err := x509.ParseCertificate(resp.Certificate)
	if err != nil {
		return nil, nil, fmt.Errorf("renew certificate: %w", err)
	}
	return key, cert, nil
}
