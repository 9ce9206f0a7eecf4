package enginesim

import (
	"context"
	"crypto/tls"
	"math/rand/v2"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// Run keeps e's session up until ctx ends: its home server first, then the
// next one after every session end, with jittered exponential back-off, as
// the agent walks its server list.
func (s *Sim) Run(ctx context.Context, e Engine) {
	wait := 500 * time.Millisecond
	for i := 0; ctx.Err() == nil; i++ {
		if s.session(ctx, e, (e.Home+i)%len(s.servers)) {
			wait = 500 * time.Millisecond
		}
		d := wait/2 + rand.N(wait/2+1)
		wait = min(2*wait, 30*time.Second)
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
}

// open dials server and says hello, at most 64 handshakes at a time.
func (s *Sim) open(ctx context.Context, e Engine, server int) (*quic.Conn, bool) {
	select {
	case s.dials <- struct{}{}:
	case <-ctx.Done():
		return nil, false
	}
	defer func() { <-s.dials }()
	conf := &tls.Config{MinVersion: tls.VersionTLS13, NextProtos: []string{protocol.ALPNEngine},
		RootCAs: s.roots.Load(), ServerName: protocol.ServerName, Certificates: []tls.Certificate{e.cert}}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := s.transport().Dial(dctx, s.servers[server], conf, &quic.Config{MaxIdleTimeout: 4 * s.interval})
	if err != nil {
		return nil, false
	}
	if _, err := protocol.Request(dctx, conn, &protocol.Hello{EngineID: e.ID, AgentVersion: "sim"}, 10*time.Second); err != nil {
		_ = conn.CloseWithError(0, "")
		return nil, false
	}
	if s.work {
		if err := openWork(dctx, conn); err != nil {
			_ = conn.CloseWithError(0, "")
			return nil, false
		}
	}
	return conn, true
}

// openWork opens the session's work stream and leaves it open: nothing is
// ever assigned to a simulated engine, so nothing arrives on it.
func openWork(ctx context.Context, conn *quic.Conn) error {
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return err
	}
	return protocol.WriteMessage(str, &protocol.WorkOpen{})
}

// session heartbeats on one session until it fails; it reports whether
// the session was established.
func (s *Sim) session(ctx context.Context, e Engine, server int) bool {
	conn, ok := s.open(ctx, e, server)
	if !ok {
		return false
	}
	defer func() { _ = conn.CloseWithError(0, "") }()
	s.connected[server].Add(1)
	s.sessions.Add(1)
	defer s.connected[server].Add(-1)
	// An ack later than one interval means a dead node: fail over, as the
	// agent does (min(interval, dial timeout)).
	ackTimeout := min(s.interval, 10*time.Second)
	next := time.Now().Add(rand.N(s.interval)) // random phase, as real fleets have
	for seq := uint64(1); ; seq++ {
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return true
		case <-conn.Context().Done():
			t.Stop()
			return true
		case <-t.C:
		}
		next = next.Add(s.interval*9/10 + rand.N(s.interval/5+1))
		if _, err := protocol.Request(ctx, conn, &protocol.Heartbeat{Seq: seq}, ackTimeout); err != nil {
			if ctx.Err() == nil {
				s.failed.Add(1)
			}
			return true
		}
		s.acks.Add(1)
	}
}
