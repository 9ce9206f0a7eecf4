package link

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/enginesession"
)

// Session is one session with a control-plane node, as the work sees it.
type Session = enginesession.Session

// session runs one mutual-TLS session with server until it fails.
// established reports whether the hello was answered.
func (c *Client) session(ctx context.Context, server string, work Work) (established bool, err error) {
	id := c.identity()
	fctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	facts := HostFacts(fctx, c.cfg.Store.Dir, c.cfg.Version)
	cancel()
	tlsConf := enginesession.SessionTLS(id.Roots(), func() tls.Certificate { return c.identity().TLSCertificate() })
	s, welcome, err := enginesession.Open(ctx, server, &protocol.Hello{EngineID: id.EngineID, AgentVersion: c.cfg.Version, Facts: facts},
		enginesession.Options{TLS: tlsConf, Timeout: c.cfg.DialTimeout, QUIC: &quic.Config{
			HandshakeIdleTimeout: c.cfg.DialTimeout,
			// Long enough for any pushed interval; the heartbeat keeps it alive.
			MaxIdleTimeout: 10 * time.Minute,
		}})
	if err != nil {
		return false, sessionErr(server, err)
	}
	defer s.Close(protocol.CloseNormal, "")
	interval := time.Duration(welcome.HeartbeatIntervalMillis) * time.Millisecond
	if interval <= 0 {
		return true, fmt.Errorf("server %s pushed heartbeat interval %s", server, interval)
	}
	c.cfg.Logger.Info("session established", "engine", id.EngineID, "server", server, "node", welcome.NodeID, "heartbeat", interval)
	c.learnServers(welcome.Servers)
	st := Status{Server: server, Connected: true, SessionSince: time.Now(), LastHeartbeat: time.Now()}
	c.writeStatus(st)
	rctx, stopReading := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopReading()
	if err := work.Open(s); err != nil {
		return true, sessionErr(server, fmt.Errorf("work: %w", err))
	}
	defer work.Close(s)
	wg.Go(func() {
		if err := s.Serve(rctx, work.Handle); err != nil && rctx.Err() == nil && s.Context().Err() == nil {
			c.cfg.Logger.Warn("session stream ended", "server", server, "err", err)
			s.Close(protocol.CloseProtocolError, "session stream failed")
		}
	})
	return true, c.heartbeat(ctx, s, server, interval, st, work)
}

// heartbeat sends a heartbeat every interval and renews the certificate
// when it is due, until the session fails or ctx ends.
func (c *Client) heartbeat(ctx context.Context, s *Session, server string, interval time.Duration, st Status, work Work) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	// An ack later than one interval means a dead node (killed without
	// closing): fail over well before the control plane's timeout.
	ackTimeout := min(interval, c.cfg.DialTimeout)
	for seq := uint64(1); ; seq++ {
		select {
		case <-ctx.Done():
			return nil
		case <-s.Context().Done():
			// Closed by the server (revocation, shutdown): act now, not at the next beat.
			return sessionErr(server, fmt.Errorf("session: %w", context.Cause(s.Context())))
		case <-t.C:
		}
		running := work.Running()
		sum := HostSummary(ctx, c.cfg.Store.Dir, running)
		with := work.Due(time.Now())
		if err := s.Heartbeat(ctx, &protocol.Heartbeat{Seq: seq, Summary: sum}, ackTimeout, with...); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return sessionErr(server, fmt.Errorf("heartbeat: %w", err))
		}
		st.LastHeartbeat, st.RunningWork = time.Now(), running
		c.writeStatus(st)
		if c.renewDue(time.Now()) {
			if err := c.renew(ctx, s); err != nil {
				c.cfg.Logger.Warn("certificate renewal failed; retrying at the next heartbeat", "err", err)
			}
		}
	}
}

// sessionErr names the server (err names the step that failed) and maps
// a revocation close to ErrRevoked, an unsupported-version close to
// ErrUnsupportedVersion.
func sessionErr(server string, err error) error {
	var app *quic.ApplicationError
	if errors.As(err, &app) && app.Remote &&
		(app.ErrorCode == protocol.CloseRevoked || app.ErrorCode == protocol.CloseUnauthorized) {
		return fmt.Errorf("%s: %s: %w", server, app.ErrorMessage, ErrRevoked)
	}
	if errors.As(err, &app) && app.Remote && app.ErrorCode == protocol.CloseUnsupportedVersion {
		return fmt.Errorf("%s: %s: %w", server, app.ErrorMessage, ErrUnsupportedVersion)
	}
	var tr *quic.TransportError
	if errors.As(err, &tr) && tr.Remote && tr.ErrorCode == quic.TransportErrorCode(0x100+120) { // TLS alert no_application_protocol
		return fmt.Errorf("%s: the control plane does not speak %s (is it older than this agent?): %w", server, protocol.ALPNEngine, err)
	}
	return fmt.Errorf("%s: %w", server, err)
}

func (c *Client) renewDue(now time.Time) bool {
	cert := c.identity().Cert
	life := cert.NotAfter.Sub(cert.NotBefore)
	return cert.NotAfter.Sub(now) < time.Duration(float64(life)*c.cfg.RenewAt)
}

// renew asks for a new certificate for a fresh key over the live session,
// saves it, and uses it from the next handshake on.
func (c *Client) renew(ctx context.Context, s *Session) error {
	old := c.identity()
	key, cert, err := s.Renew(ctx, old.EngineID, c.cfg.DialTimeout)
	if err != nil {
		return err
	}
	next := *old
	next.Key, next.Cert = key, cert
	if err := c.cfg.Store.Save(&next); err != nil {
		return fmt.Errorf("renew certificate: %w", err)
	}
	c.setIdentity(&next)
	c.cfg.Logger.Info("certificate renewed", "engine", next.EngineID, "notAfter", cert.NotAfter)
	return nil
}
