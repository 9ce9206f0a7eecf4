package agent

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// session runs one mutual-TLS session with server until it fails.
// established reports whether the hello was answered.
func (a *Agent) session(ctx context.Context, server string) (established bool, err error) {
	id := a.identity()
	dctx, cancel := context.WithTimeout(ctx, a.cfg.DialTimeout)
	defer cancel()
	conn, err := quic.DialAddr(dctx, server, sessionTLS(a.identity), &quic.Config{
		HandshakeIdleTimeout: a.cfg.DialTimeout,
		// Long enough for any pushed interval; the heartbeat keeps it alive.
		MaxIdleTimeout: 10 * time.Minute,
	})
	if err != nil {
		return false, sessionErr(server, "connect", err)
	}
	defer func() { _ = conn.CloseWithError(protocol.CloseNormal, "") }()
	link, welcome, err := a.hello(dctx, conn, id)
	if err != nil {
		return false, sessionErr(server, "hello", err)
	}
	interval := time.Duration(welcome.HeartbeatIntervalMillis) * time.Millisecond
	if interval <= 0 {
		return true, fmt.Errorf("server %s pushed heartbeat interval %s", server, interval)
	}
	a.cfg.Logger.Info("session established", "engine", id.EngineID, "server", server, "node", welcome.NodeID, "heartbeat", interval)
	a.learnServers(welcome.Servers)
	st := Status{Server: server, Connected: true, SessionSince: time.Now(), LastHeartbeat: time.Now()}
	a.writeStatus(st)
	rctx, stopReading := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopReading()
	context.AfterFunc(rctx, func() { link.str.CancelRead(0) }) // ends the reader
	if a.exec != nil {
		if err := a.startWork(link); err != nil {
			return true, sessionErr(server, "work", err)
		}
		defer a.exec.detach(link)
	}
	wg.Go(func() {
		if err := a.readSession(link); err != nil && rctx.Err() == nil && conn.Context().Err() == nil {
			a.cfg.Logger.Warn("session stream ended", "server", server, "err", err)
			_ = conn.CloseWithError(protocol.CloseProtocolError, "session stream failed")
		}
	})
	return true, a.heartbeat(ctx, conn, link, server, interval, st)
}

// hello opens the session stream, says Hello on it and reads the Welcome.
func (a *Agent) hello(ctx context.Context, conn *quic.Conn, id *Identity) (*workLink, *protocol.Welcome, error) {
	facts := HostFacts(ctx, a.cfg.Store.Dir, a.cfg.Version)
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("open session stream: %w", err)
	}
	link := newWorkLink(conn, str)
	if err := link.send(&protocol.Hello{EngineID: id.EngineID, AgentVersion: a.cfg.Version, Facts: facts}); err != nil {
		return nil, nil, err
	}
	_ = str.SetReadDeadline(time.Now().Add(a.cfg.DialTimeout))
	m, err := protocol.ReadMessage(str)
	_ = str.SetReadDeadline(time.Time{})
	if err != nil {
		return nil, nil, err
	}
	switch w := m.(type) {
	case *protocol.Welcome:
		return link, w, nil
	case *protocol.Error:
		return nil, nil, w
	}
	return nil, nil, fmt.Errorf("expected welcome, got message type %d", m.MessageType())
}

// heartbeat sends a heartbeat every interval and renews the certificate
// when it is due, until the session fails or ctx ends.
func (a *Agent) heartbeat(ctx context.Context, conn *quic.Conn, link *workLink, server string, interval time.Duration, st Status) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	// An ack later than one interval means a dead node (killed without
	// closing): fail over well before the control plane's timeout.
	ackTimeout := min(interval, a.cfg.DialTimeout)
	for seq := uint64(1); ; seq++ {
		select {
		case <-ctx.Done():
			return nil
		case <-conn.Context().Done():
			// Closed by the server (revocation, shutdown): act now, not at the next beat.
			return sessionErr(server, "session", context.Cause(conn.Context()))
		case <-t.C:
		}
		running := 0
		if a.exec != nil {
			running = a.exec.running()
		}
		sum := HostSummary(ctx, a.cfg.Store.Dir, running)
		var with []protocol.Message
		if a.exec != nil && a.deploy != nil { // the session opened its work
			if r := a.deploy.reportDue(time.Now()); r != nil {
				with = append(with, r)
			}
		}
		if err := link.heartbeat(ctx, &protocol.Heartbeat{Seq: seq, Summary: sum}, ackTimeout, with...); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return sessionErr(server, "heartbeat", err)
		}
		st.LastHeartbeat, st.RunningWork = time.Now(), running
		a.writeStatus(st)
		if a.renewDue(time.Now()) {
			if err := a.renew(ctx, link); err != nil {
				a.cfg.Logger.Warn("certificate renewal failed; retrying at the next heartbeat", "err", err)
			}
		}
	}
}

// sessionErr names the step that failed and maps a revocation close to
// ErrRevoked, an unsupported-version close to ErrUnsupportedVersion.
func sessionErr(server, step string, err error) error {
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
		return fmt.Errorf("%s: %s: the control plane does not speak %s (is it older than this agent?): %w", server, step, protocol.ALPNEngine, err)
	}
	return fmt.Errorf("%s: %s: %w", server, step, err)
}

func (a *Agent) renewDue(now time.Time) bool {
	c := a.identity().Cert
	life := c.NotAfter.Sub(c.NotBefore)
	return c.NotAfter.Sub(now) < time.Duration(float64(life)*a.cfg.RenewAt)
}

// renew asks for a new certificate for a fresh key over the live session,
// saves it, and uses it from the next handshake on.
func (a *Agent) renew(ctx context.Context, link *workLink) error {
	old := a.identity()
	key, err := protocol.NewEngineKey()
	if err != nil {
		return err
	}
	csr, err := protocol.NewCSR(key, old.EngineID)
	if err != nil {
		return err
	}
	reply, err := link.request(ctx, &protocol.RenewRequest{CSR: csr}, a.cfg.DialTimeout)
	if err != nil {
		return fmt.Errorf("renew certificate: %w", err)
	}
	resp, ok := reply.(*protocol.RenewResponse)
	if !ok {
		return fmt.Errorf("renew certificate: unexpected answer type %d", reply.MessageType())
	}
	cert, err := x509.ParseCertificate(resp.Certificate)
	if err != nil {
		return fmt.Errorf("renew certificate: %w", err)
	}
	next := *old
	next.Key, next.Cert = key, cert
	if err := a.cfg.Store.Save(&next); err != nil {
		return fmt.Errorf("renew certificate: %w", err)
	}
	a.mu.Lock()
	a.id = &next
	a.mu.Unlock()
	a.cfg.Logger.Info("certificate renewed", "engine", next.EngineID, "notAfter", cert.NotAfter)
	return nil
}
