package engines_test

import (
	"context"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/enginesession"
)

// testAgent is a minimal engine built on the engine side of the
// protocol: it pairs over QUIC, then holds a version-3 session and
// heartbeats when told to.
type testAgent struct {
	id    string
	addr  string
	creds *enginesession.Credentials
	s     *enginesession.Session
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
	return &testAgent{id: c.EngineID, addr: addr, creds: c}
}

func (a *testAgent) connect(t *testing.T) {
	t.Helper()
	s, _, err := enginesession.Open(context.Background(), a.addr, &protocol.Hello{EngineID: a.id, Facts: protocol.HostFacts{Hostname: "test-" + a.id}},
		enginesession.Options{TLS: enginesession.SessionTLS(a.creds.Roots(), a.creds.TLSCertificate), Timeout: 5 * time.Second,
			QUIC: &quic.Config{MaxIdleTimeout: 30 * time.Second, KeepAlivePeriod: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(0, "") })
	a.s = s
}

// beat sends one heartbeat carrying sum and waits for its ack: the
// serving node has taken it in by then.
func (a *testAgent) beat(t *testing.T, sum protocol.HostSummary) {
	t.Helper()
	a.seq++
	if err := a.s.HeartbeatAndRead(&protocol.Heartbeat{Seq: a.seq, Summary: sum}, 5*time.Second); err != nil {
		t.Fatalf("heartbeat %d: %v", a.seq, err)
	}
}
