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
	welcome, err := a.hello(dctx, conn, id)
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
	wctx, stopWork := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopWork()
	if a.exec != nil {
		wg.Go(func() {
			if err := a.serveWork(wctx, conn); err != nil && wctx.Err() == nil && conn.Context().Err() == nil {
				a.cfg.Logger.Warn("work stream ended", "server", server, "err", err)
				_ = conn.CloseWithError(protocol.CloseProtocolError, "work stream failed")
			}
		})
	}
	return true, a.heartbeat(ctx, conn, server, interval, st)
}

func (a *Agent) hello(ctx context.Context, conn *quic.Conn, id *Identity) (*protocol.Welcome, error) {
	facts := HostFacts(ctx, a.cfg.Store.Dir, a.cfg.Version)
	m, err := a.request(ctx, conn, &protocol.Hello{EngineID: id.EngineID, AgentVersion: a.cfg.Version, Facts: facts}, a.cfg.DialTimeout)
	if err != nil {
		return nil, err
	}
	w, ok := m.(*protocol.Welcome)
	if !ok {
		return nil, fmt.Errorf("expected welcome, got message type %d", m.MessageType())
	}
	return w, nil
}

// heartbeat sends a heartbeat every interval and renews the certificate
// when it is due, until the session fails or ctx ends.
func (a *Agent) heartbeat(ctx context.Context, conn *quic.Conn, server string, interval time.Duration, st Status) error {
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
		if _, err := a.request(ctx, conn, &protocol.Heartbeat{Seq: seq, Summary: sum}, ackTimeout); err != nil {
			return sessionErr(server, "heartbeat", err)
		}
		st.LastHeartbeat, st.RunningWork = time.Now(), running
		a.writeStatus(st)
		if a.renewDue(time.Now()) {
			if err := a.renew(ctx, conn); err != nil {
				a.cfg.Logger.Warn("certificate renewal failed; retrying at the next heartbeat", "err", err)
			}
		}
	}
}

// request is protocol.Request: each request a short stream of its own.
func (a *Agent) request(ctx context.Context, conn *quic.Conn, m protocol.Message, timeout time.Duration) (protocol.Message, error) {
	return protocol.Request(ctx, conn, m, timeout)
}

// sessionErr names the step that failed and maps a revocation close to ErrRevoked.
func sessionErr(server, step string, err error) error {
	var app *quic.ApplicationError
	if errors.As(err, &app) && app.Remote &&
		(app.ErrorCode == protocol.CloseRevoked || app.ErrorCode == protocol.CloseUnauthorized) {
		return fmt.Errorf("%s: %s: %w", server, app.ErrorMessage, ErrRevoked)
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
func (a *Agent) renew(ctx context.Context, conn *quic.Conn) error {
	old := a.identity()
	key, err := protocol.NewEngineKey()
	if err != nil {
		return err
	}
	csr, err := protocol.NewCSR(key, old.EngineID)
	if err != nil {
		return err
	}
	reply, err := a.request(ctx, conn, &protocol.RenewRequest{CSR: csr}, a.cfg.DialTimeout)
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
