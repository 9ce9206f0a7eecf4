package enginesim

import (
	"context"
	"crypto/tls"
	"math/rand/v2"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/enginesession"
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
func (s *Sim) open(ctx context.Context, e Engine, server int) (*enginesession.Session, bool) {
	select {
	case s.dials <- struct{}{}:
	case <-ctx.Done():
		return nil, false
	}
	defer func() { <-s.dials }()
	roots := s.roots.Load()
	sess, _, err := enginesession.Open(ctx, s.servers[server].String(), &protocol.Hello{EngineID: e.ID, AgentVersion: "sim"},
		enginesession.Options{TLS: enginesession.SessionTLS(roots, func() tls.Certificate { return e.cert }),
			QUIC: &quic.Config{MaxIdleTimeout: 4 * s.interval}, Dial: s.dial, Timeout: 10 * time.Second})
	if err != nil {
		return nil, false
	}
	if s.work {
		// The deployment report an agent sends right after WorkOpen:
		// nothing is ever assigned to a simulated engine, so nothing but
		// heartbeat acks arrives.
		if err := sess.Send(&protocol.WorkOpen{Known: []protocol.ExecutionRef{}}, emptyReport()); err != nil {
			sess.Close(0, "")
			return nil, false
		}
	}
	return sess, true
}

// emptyReport is the deployment report of an agent running no deployment.
func emptyReport() *protocol.DeploymentReport {
	return &protocol.DeploymentReport{Deployments: []protocol.DeploymentStatus{}}
}

// session heartbeats on one session until it fails; it reports whether
// the session was established.
func (s *Sim) session(ctx context.Context, e Engine, server int) bool {
	sess, ok := s.open(ctx, e, server)
	if !ok {
		return false
	}
	defer sess.Close(0, "")
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
			if !s.wait(ctx, sess, report) {
				return true
			}
			report = report.Add(reportInterval)
			if sess.Send(emptyReport()) != nil {
				return true
			}
			continue
		}
		if !s.wait(ctx, sess, next) {
			return true
		}
		seq++
		next = next.Add(s.interval*9/10 + rand.N(s.interval/5+1))
		withReport := s.work && !s.separateReports && !time.Now().Before(report)
		if withReport {
			report = time.Now().Add(reportInterval)
		}
		var with []protocol.Message
		if withReport {
			with = append(with, emptyReport())
		}
		if err := sess.HeartbeatAndRead(&protocol.Heartbeat{Seq: seq}, ackTimeout, with...); err != nil {
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
func (s *Sim) wait(ctx context.Context, sess *enginesession.Session, at time.Time) bool {
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-sess.Context().Done():
		return false
	case <-t.C:
		return true
	}
}
