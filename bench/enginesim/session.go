package enginesim

import (
	"context"
	"crypto/tls"
	"fmt"
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

// open dials server, says hello on the session stream and, with work,
// opens the work on it; at most 64 handshakes at a time.
func (s *Sim) open(ctx context.Context, e Engine, server int) (*quic.Conn, *quic.Stream, bool) {
	select {
	case s.dials <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, false
	}
	defer func() { <-s.dials }()
	conf := &tls.Config{MinVersion: tls.VersionTLS13, NextProtos: []string{protocol.ALPNEngine},
		RootCAs: s.roots.Load(), ServerName: protocol.ServerName, Certificates: []tls.Certificate{e.cert}}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := s.transport().Dial(dctx, s.servers[server], conf, &quic.Config{MaxIdleTimeout: 4 * s.interval})
	if err != nil {
		return nil, nil, false
	}
	str, err := hello(dctx, conn, e)
	if err == nil && s.work {
		err = openWork(str)
	}
	if err != nil {
		_ = conn.CloseWithError(0, "")
		return nil, nil, false
	}
	return conn, str, true
}

// hello opens the session stream and reads the welcome on it.
func hello(ctx context.Context, conn *quic.Conn, e Engine) (*quic.Stream, error) {
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return nil, err
	}
	if err := protocol.WriteMessage(str, &protocol.Hello{EngineID: e.ID, AgentVersion: "sim"}); err != nil {
		return nil, err
	}
	_ = str.SetReadDeadline(time.Now().Add(10 * time.Second))
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return nil, err
	}
	if _, ok := m.(*protocol.Welcome); !ok {
		return nil, fmt.Errorf("expected welcome, got message type %d", m.MessageType())
	}
	return str, nil
}

// openWork opens the session's work, with the deployment report an agent
// sends right after WorkOpen: nothing is ever assigned to a simulated
// engine, so nothing but heartbeat acks arrives.
func openWork(str *quic.Stream) error {
	if err := protocol.WriteMessage(str, &protocol.WorkOpen{Known: []protocol.ExecutionRef{}}); err != nil {
		return err
	}
	return writeReport(str)
}

// writeReport sends an empty deployment report, as an agent running no
// deployment does every ReportInterval.
func writeReport(str *quic.Stream) error {
	_ = str.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return protocol.WriteMessage(str, &protocol.DeploymentReport{Deployments: []protocol.DeploymentStatus{}})
}

// heartbeat sends one heartbeat on the session stream (after a
// deployment report, in the same write, when withReport) and reads until
// its ack, within timeout.
func heartbeat(str *quic.Stream, seq uint64, withReport bool, timeout time.Duration) error {
	_ = str.SetDeadline(time.Now().Add(timeout))
	msgs := []protocol.Message{&protocol.Heartbeat{Seq: seq}}
	if withReport {
		msgs = []protocol.Message{&protocol.DeploymentReport{Deployments: []protocol.DeploymentStatus{}}, msgs[0]}
	}
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
	if _, err := str.Write(b); err != nil {
		return err
	}
	for {
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return err
		}
		if ack, ok := m.(*protocol.HeartbeatAck); ok && ack.Seq == seq {
			return nil
		}
	}
}

// session heartbeats on one session until it fails; it reports whether
// the session was established.
func (s *Sim) session(ctx context.Context, e Engine, server int) bool {
	conn, str, ok := s.open(ctx, e, server)
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
	// The agent's report ticker runs from its start, not the session's.
	report := time.Now().Add(rand.N(reportInterval))
	var seq uint64
	for {
		if s.work && s.separateReports && report.Before(next) {
			if !s.wait(ctx, conn, report) {
				return true
			}
			report = report.Add(reportInterval)
			if writeReport(str) != nil {
				return true
			}
			continue
		}
		if !s.wait(ctx, conn, next) {
			return true
		}
		seq++
		next = next.Add(s.interval*9/10 + rand.N(s.interval/5+1))
		withReport := s.work && !s.separateReports && !time.Now().Before(report)
		if withReport {
			report = time.Now().Add(reportInterval)
		}
		if err := heartbeat(str, seq, withReport, ackTimeout); err != nil {
			if ctx.Err() == nil {
				s.failed.Add(1)
			}
			return true
		}
		s.acks.Add(1)
	}
}

// reportInterval is the agent's default DeploymentReport interval.
const reportInterval = 30 * time.Second

// wait waits until at, false when the session or ctx ends first.
func (s *Sim) wait(ctx context.Context, conn *quic.Conn, at time.Time) bool {
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-conn.Context().Done():
		return false
	case <-t.C:
		return true
	}
}
