package engines_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/protocol"
)

// testAgent is a minimal engine built on protocol only: it pairs over QUIC,
// then holds a version-3 session and heartbeats when told to.
type testAgent struct {
	id    string
	addr  string
	cert  tls.Certificate
	roots *x509.CertPool
	str   *quic.Stream
	seq   uint64
}

// pairAgent pairs with key at the node's QUIC address, retrying while the
// link is not serving yet.
func pairAgent(t *testing.T, addr, key string) *testAgent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := deploymentstest.PairCredentials(ctx, addr, key)
	if err != nil {
		t.Fatalf("pair: %v", err)
	}
	return &testAgent{id: c.EngineID, addr: addr, roots: c.Roots, cert: c.Cert}
}

func (a *testAgent) connect(t *testing.T) {
	t.Helper()
	conf := &tls.Config{MinVersion: tls.VersionTLS13, NextProtos: []string{protocol.ALPNEngine},
		RootCAs: a.roots, ServerName: protocol.ServerName, Certificates: []tls.Certificate{a.cert}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(ctx, a.addr, conf, &quic.Config{MaxIdleTimeout: 30 * time.Second, KeepAlivePeriod: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseWithError(0, "") })
	if a.str, err = conn.OpenStreamSync(ctx); err != nil {
		t.Fatal(err)
	}
	a.send(t, &protocol.Hello{EngineID: a.id, Facts: protocol.HostFacts{Hostname: "test-" + a.id}})
	if _, ok := a.read(t).(*protocol.Welcome); !ok {
		t.Fatal("no welcome")
	}
}

// beat sends one heartbeat carrying sum and waits for its ack: the
// serving node has taken it in by then.
func (a *testAgent) beat(t *testing.T, sum protocol.HostSummary) {
	t.Helper()
	a.seq++
	a.send(t, &protocol.Heartbeat{Seq: a.seq, Summary: sum})
	for {
		if ack, ok := a.read(t).(*protocol.HeartbeatAck); ok && ack.Seq == a.seq {
			return
		}
	}
}

func (a *testAgent) send(t *testing.T, m protocol.Message) {
	t.Helper()
	_ = a.str.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := protocol.WriteMessage(a.str, m); err != nil {
		t.Fatalf("send %T: %v", m, err)
	}
}

func (a *testAgent) read(t *testing.T) protocol.Message {
	t.Helper()
	_ = a.str.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := protocol.ReadMessage(a.str)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}
