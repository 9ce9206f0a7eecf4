package enginelink_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
	"github.com/roundhouse/roundhouse/protocol"
)

// beatLog is a enginelink.HeartbeatSink that records beats.
type beatLog struct {
	mu    sync.Mutex
	beats map[string]int
}

func (b *beatLog) Heartbeat(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.beats == nil {
		b.beats = map[string]int{}
	}
	b.beats[id]++
}

func (b *beatLog) count(id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.beats[id]
}

// startServer runs a link on a loopback port until the test ends.
func startServer(t *testing.T, dir *enginelinktest.Directory, sink enginelink.HeartbeatSink, mod func(*enginelink.Config)) *enginelink.Server {
	t.Helper()
	cfg := enginelink.Config{
		NodeID: "n1", Addr: "127.0.0.1:0", HeartbeatInterval: 200 * time.Millisecond, RequestTimeout: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, stop := serve(t, cfg, dir, sink)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return s
}

// serve runs a link with exactly cfg; stop ends it and returns what Serve
// returned (also called, its error ignored, when the test ends).
func serve(t *testing.T, cfg enginelink.Config, dir *enginelinktest.Directory, sink enginelink.HeartbeatSink) (*enginelink.Server, func() error) {
	t.Helper()
	s, err := enginelink.New(cfg, dir, sink)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Listen(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	var once sync.Once
	var served error
	stop := func() error {
		once.Do(func() { cancel(); served = <-done })
		return served
	}
	t.Cleanup(func() { _ = stop() })
	return s, stop
}

// testEngine is a minimal agent built on protocol only.
type testEngine struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newTestEngine(t *testing.T) *testEngine {
	k, err := protocol.NewEngineKey()
	if err != nil {
		t.Fatal(err)
	}
	return &testEngine{key: k}
}

// pair runs one pairing exchange and returns the server's answer.
func (e *testEngine) pair(t *testing.T, addr net.Addr, key string, ca *protocol.CA) protocol.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(ctx, addr.String(), &tls.Config{
		RootCAs: ca.Pool(), ServerName: protocol.ServerName, NextProtos: []string{protocol.ALPNPair},
	}, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer func() { _ = conn.CloseWithError(0, "") }()
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	csr, _ := protocol.NewCSR(e.key, "test")
	if err := protocol.WriteMessage(str, &protocol.PairRequest{Key: key, CSR: csr}); err != nil {
		t.Fatal(err)
	}
	m, err := protocol.ReadMessage(str)
	if err != nil {
		t.Fatalf("read pairing answer: %v", err)
	}
	if r, ok := m.(*protocol.PairResponse); ok {
		e.cert, _ = x509.ParseCertificate(r.Certificate)
	}
	return m
}

// session opens a mutual-TLS session with cert (none when nil) and says hello.
func (e *testEngine) session(t *testing.T, addr net.Addr, ca *protocol.CA, cert *tls.Certificate, engineID string) (*quic.Conn, *protocol.Welcome, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := &tls.Config{RootCAs: ca.Pool(), ServerName: protocol.ServerName, NextProtos: []string{protocol.ALPNEngineV2}}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	// Fixed small stream windows and a large connection window: a download
	// the test leaves unread stalls at its own stream's window instead of
	// exhausting the connection's, which would stall every stream (the
	// stream-credit tests would then measure flow control, by timing).
	qc := &quic.Config{InitialStreamReceiveWindow: 64 << 10, MaxStreamReceiveWindow: 64 << 10,
		InitialConnectionReceiveWindow: 16 << 20, MaxConnectionReceiveWindow: 16 << 20}
	conn, err := quic.DialAddr(ctx, addr.String(), cfg, qc)
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { _ = conn.CloseWithError(0, "") })
	m, err := request(t, conn, &protocol.Hello{EngineID: engineID})
	if err != nil {
		return conn, nil, err
	}
	w, ok := m.(*protocol.Welcome)
	if !ok {
		return conn, nil, errors.New("no welcome")
	}
	return conn, w, nil
}

func (e *testEngine) tlsCert() *tls.Certificate {
	return &tls.Certificate{Certificate: [][]byte{e.cert.Raw}, PrivateKey: e.key}
}

// request sends m on a stream of its own, as agents do, and reads the
// one answer.
func request(t *testing.T, conn *quic.Conn, m protocol.Message) (protocol.Message, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return nil, err
	}
	defer str.CancelRead(0)
	_ = str.SetDeadline(time.Now().Add(3 * time.Second))
	if err := protocol.WriteMessage(str, m); err != nil {
		return nil, err
	}
	_ = str.Close()
	return protocol.ReadMessage(str)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func closeCode(err error) (quic.ApplicationErrorCode, bool) {
	var app *quic.ApplicationError
	if errors.As(err, &app) {
		return app.ErrorCode, true
	}
	return 0, false
}
