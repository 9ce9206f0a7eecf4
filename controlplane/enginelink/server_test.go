package enginelink_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
	"github.com/roundhouse/roundhouse/protocol"
)

func TestPairThenHeartbeatOverMutualTLS(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	beats := &beatLog{}
	srv := startServer(t, dir, beats, nil)
	key := dir.AddEngine("eng-1", time.Hour)

	e := newTestEngine(t)
	resp, ok := e.pair(t, srv.Addr(), key.String(), dir.Authority).(*protocol.PairResponse)
	if !ok || resp.EngineID != "eng-1" {
		t.Fatalf("pairing answer %#v", resp)
	}
	if got := dir.Engine("eng-1"); !got.Paired {
		t.Fatal("engine not PAIRED after pairing")
	}
	conn, w, err := e.session(t, srv.Addr(), dir.Authority, e.tlsCert(), "eng-1")
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	if w.HeartbeatIntervalMillis != 200 {
		t.Fatalf("pushed interval %d ms, want 200", w.HeartbeatIntervalMillis)
	}
	ack, err := request(t, conn, &protocol.Heartbeat{Seq: 9})
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := ack.(*protocol.HeartbeatAck); !ok || a.Seq != 9 {
		t.Fatalf("ack %#v", ack)
	}
	if n := beats.count("eng-1"); n != 2 { // hello + heartbeat
		t.Fatalf("sink saw %d beats, want 2", n)
	}
	eventually(t, time.Second, "session registered", func() bool { return srv.Connected("eng-1") })
}

func TestBadPairKeysAreRefusedAndChangeNothing(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, &beatLog{}, func(c *enginelink.Config) { c.PairBurst = 100; c.PairAttemptsPerMinute = 6000 })

	used := dir.AddEngine("used", time.Hour)
	if _, ok := newTestEngine(t).pair(t, srv.Addr(), used.String(), dir.Authority).(*protocol.PairResponse); !ok {
		t.Fatal("first use of a key must pair")
	}
	expired := dir.AddEngine("expired", -time.Minute)
	old := dir.AddEngine("regenerated", time.Hour)
	dir.Regenerate("regenerated", time.Hour)
	deleted := dir.AddEngine("deleted", time.Hour)
	dir.DeleteEngine("deleted")
	wrongSecret := dir.AddEngine("wrong-secret", time.Hour)
	wrongSecret.Secret[0] ^= 1
	otherCluster, _ := protocol.NewPairKey([32]byte{7})

	tests := []struct {
		name, key, code, engine string
	}{
		{"used", used.String(), protocol.CodeKeyUsed, ""},
		{"expired", expired.String(), protocol.CodeKeyExpired, "expired"},
		{"regenerated away", old.String(), protocol.CodeKeyUnknown, "regenerated"},
		{"engine deleted", deleted.String(), protocol.CodeKeyUnknown, ""},
		{"wrong secret", wrongSecret.String(), protocol.CodeKeyInvalid, "wrong-secret"},
		{"garbage", "not-a-key", protocol.CodeKeyInvalid, ""},
		{"other cluster", otherCluster.String(), protocol.CodeKeyUnknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestEngine(t).pair(t, srv.Addr(), tt.key, dir.Authority)
			e, ok := m.(*protocol.Error)
			if !ok || e.Code != tt.code || e.Message == "" {
				t.Fatalf("got %#v, want code %s with a message", m, tt.code)
			}
			if tt.engine != "" && dir.Engine(tt.engine).Paired {
				t.Fatalf("engine %s became PAIRED", tt.engine)
			}
		})
	}
	// The refusals did not consume the valid key of the regenerated engine.
	if m, ok := newTestEngine(t).pair(t, srv.Addr(), dir.Regenerate("wrong-secret", time.Hour).String(), dir.Authority).(*protocol.PairResponse); !ok {
		t.Fatalf("valid key refused after failed attempts: %#v", m)
	}
}

func TestConcurrentUseOfOneKeyPairsExactlyOneEngine(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, &beatLog{}, func(c *enginelink.Config) { c.PairBurst = 100 })
	key := dir.AddEngine("eng", time.Hour)
	const racers = 8
	var wg sync.WaitGroup
	results := make([]protocol.Message, racers)
	for i := range racers {
		wg.Go(func() { results[i] = newTestEngine(t).pair(t, srv.Addr(), key.String(), dir.Authority) })
	}
	wg.Wait()
	wins := 0
	for _, m := range results {
		switch r := m.(type) {
		case *protocol.PairResponse:
			wins++
		case *protocol.Error:
			if r.Code != protocol.CodeKeyUsed {
				t.Fatalf("loser got %s", r.Code)
			}
		}
	}
	if wins != 1 {
		t.Fatalf("%d engines paired with one key, want 1", wins)
	}
}

func TestPairingIsRateLimitedPerSource(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, &beatLog{}, func(c *enginelink.Config) { c.PairBurst = 3; c.PairAttemptsPerMinute = 1 })
	var codes []string
	for range 5 {
		if e, ok := newTestEngine(t).pair(t, srv.Addr(), "guess", dir.Authority).(*protocol.Error); ok {
			codes = append(codes, e.Code)
		}
	}
	want := fmt.Sprint([]string{protocol.CodeKeyInvalid, protocol.CodeKeyInvalid, protocol.CodeKeyInvalid, protocol.CodeRateLimited, protocol.CodeRateLimited})
	if fmt.Sprint(codes) != want {
		t.Fatalf("codes %v, want %s", codes, want)
	}
}

func TestSessionWithoutValidClientCertificateGetsNothing(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	beats := &beatLog{}
	srv := startServer(t, dir, beats, nil)
	key := dir.AddEngine("eng-1", time.Hour)
	e := newTestEngine(t)
	e.pair(t, srv.Addr(), key.String(), dir.Authority)

	rogueCA, _ := protocol.NewCA("rogue", time.Now(), time.Hour)
	csr, _ := protocol.NewCSR(e.key, "x")
	parsed, _ := protocol.CheckCSR(csr)
	serial, _ := protocol.NewSerial()
	rogueDER, _ := rogueCA.SignEngineCSR(parsed, "eng-1", protocol.SerialString(serial), time.Now(), time.Hour)

	tests := []struct {
		name string
		cert *tls.Certificate
	}{
		{"no certificate", nil},
		{"certificate from another CA", &tls.Certificate{Certificate: [][]byte{rogueDER}, PrivateKey: e.key}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, w, err := e.session(t, srv.Addr(), dir.Authority, tt.cert, "eng-1")
			if err == nil || w != nil {
				t.Fatalf("got a welcome (%v) without a valid certificate", w)
			}
		})
	}
	if n := beats.count("eng-1"); n != 0 {
		t.Fatalf("%d heartbeats counted for unauthenticated sessions", n)
	}
}

func TestDeletedEngineIsDisconnectedAndCannotReconnect(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, &beatLog{}, nil)
	key := dir.AddEngine("eng-1", time.Hour)
	e := newTestEngine(t)
	e.pair(t, srv.Addr(), key.String(), dir.Authority)
	conn, _, err := e.session(t, srv.Addr(), dir.Authority, e.tlsCert(), "eng-1")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "session registered", func() bool { return srv.Connected("eng-1") })

	dir.DeleteEngine("eng-1")
	if !srv.CloseEngine("eng-1", "engine deleted") {
		t.Fatal("no live session to close")
	}
	if _, err := request(t, conn, &protocol.Heartbeat{Seq: 1}); err == nil {
		t.Fatal("heartbeat answered after delete")
	} else if code, _ := closeCode(err); code != protocol.CloseRevoked {
		t.Fatalf("closed with %v, want CloseRevoked", err)
	}
	_, w, err := e.session(t, srv.Addr(), dir.Authority, e.tlsCert(), "eng-1")
	if w != nil {
		t.Fatal("deleted engine got a welcome")
	}
	if code, _ := closeCode(err); code != protocol.CloseRevoked {
		t.Fatalf("reconnect refused with %v, want CloseRevoked", err)
	}
}

func TestCertificateRenewsOverTheLiveSession(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, &beatLog{}, nil)
	key := dir.AddEngine("eng-1", time.Hour)
	e := newTestEngine(t)
	e.pair(t, srv.Addr(), key.String(), dir.Authority)
	conn, _, err := e.session(t, srv.Addr(), dir.Authority, e.tlsCert(), "eng-1")
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		next := newTestEngine(t)
		csr, _ := protocol.NewCSR(next.key, "x")
		m, err := request(t, conn, &protocol.RenewRequest{CSR: csr})
		if err != nil {
			t.Fatal(err)
		}
		r, ok := m.(*protocol.RenewResponse)
		if !ok {
			t.Fatalf("round %d: renewal answer %#v", round, m)
		}
		if _, err := request(t, conn, &protocol.Heartbeat{Seq: 2}); err != nil {
			t.Fatalf("round %d: live session dropped after renewal: %v", round, err)
		}
		next.cert, _ = x509ParseOrFail(t, r.Certificate)
		nextConn, _, err := next.session(t, srv.Addr(), dir.Authority, next.tlsCert(), "eng-1")
		if err != nil {
			t.Fatalf("round %d: renewed certificate refused: %v", round, err)
		}
		// The new session replaced the old one; renew again over it.
		conn = nextConn
	}
}

func TestGoodKeysAreNeverRateLimited(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, &beatLog{}, func(c *enginelink.Config) { c.PairBurst = 2; c.PairAttemptsPerMinute = 1 })
	for i := range 10 {
		key := dir.AddEngine(fmt.Sprintf("e%d", i), time.Hour)
		if m, ok := newTestEngine(t).pair(t, srv.Addr(), key.String(), dir.Authority).(*protocol.PairResponse); !ok {
			t.Fatalf("pairing %d refused: %#v", i, m)
		}
	}
}

func TestStoppedServerFreesItsAddressForARestart(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	key := dir.AddEngine("eng-1", time.Hour)
	cfg := enginelink.Config{NodeID: "n1", Addr: "127.0.0.1:0", HeartbeatInterval: time.Second, Logger: slog.New(slog.DiscardHandler)}
	s1, stop := serve(t, cfg, dir, &beatLog{})
	e := newTestEngine(t)
	e.pair(t, s1.Addr(), key.String(), dir.Authority)
	conn, _, err := e.session(t, s1.Addr(), dir.Authority, e.tlsCert(), "eng-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	<-conn.Context().Done()
	if code, _ := closeCode(context.Cause(conn.Context())); code != protocol.CloseShutdown {
		t.Fatalf("session closed with %v, want CloseShutdown", context.Cause(conn.Context()))
	}
	cfg.Addr = s1.Addr().String()
	restarted := startServer(t, dir, &beatLog{}, func(c *enginelink.Config) { *c = cfg })
	if _, _, err := e.session(t, restarted.Addr(), dir.Authority, e.tlsCert(), "eng-1"); err != nil {
		t.Fatalf("reconnect after restart on the same address: %v", err)
	}
}

// An agent still speaking the retired session version is told to upgrade,
// not left retrying a heartbeat nobody answers; its engine is RETIRED
// until a supported agent connects.
func TestRetiredSessionVersionIsToldToUpgrade(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, &beatLog{}, nil)
	key := dir.AddEngine("eng-1", time.Hour)
	e := newTestEngine(t)
	e.pair(t, srv.Addr(), key.String(), dir.Authority)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := &tls.Config{RootCAs: dir.Authority.Pool(), ServerName: protocol.ServerName,
		NextProtos: []string{protocol.ALPNEngineV1}, Certificates: []tls.Certificate{*e.tlsCert()}}
	conn, err := quic.DialAddr(ctx, srv.Addr().String(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.CloseWithError(0, "") }()
	_, err = request(t, conn, &protocol.Hello{EngineID: "eng-1"})
	var app *quic.ApplicationError
	if !errors.As(err, &app) || app.ErrorCode != protocol.CloseUnsupportedVersion || !strings.Contains(app.ErrorMessage, "upgrade roundhouse-engine") {
		t.Fatalf("v1 session ended with %v, want CloseUnsupportedVersion telling to upgrade", err)
	}
	if srv.Connected("eng-1") {
		t.Fatal("a v1 session was registered")
	}
	eventually(t, 2*time.Second, "engine RETIRED", func() bool { return dir.Engine("eng-1").Retired })
	if err := e.helloAs(t, srv.Addr(), dir.Authority, "eng-1", "dev"); err != nil {
		t.Fatalf("a current agent refused: %v", err)
	}
	if got := dir.Engine("eng-1"); got.Retired || !got.Available {
		t.Fatalf("after a current agent connected: %+v, want AVAILABLE", got)
	}
}

// The post-quantum hybrid key exchange is the default; the classical
// X25519-only knob is an explicit opt-in.
func TestKeyExchangeIsHybridUnlessClassicalIsChosen(t *testing.T) {
	for _, tt := range []struct {
		classical bool
		want      tls.CurveID
	}{
		{false, tls.X25519MLKEM768},
		{true, tls.X25519},
	} {
		dir := enginelinktest.NewDirectory()
		srv := startServer(t, dir, &beatLog{}, func(c *enginelink.Config) { c.ClassicalKeyExchange = tt.classical })
		key := dir.AddEngine("eng-1", time.Hour)
		e := newTestEngine(t)
		e.pair(t, srv.Addr(), key.String(), dir.Authority)
		conn, _, err := e.session(t, srv.Addr(), dir.Authority, e.tlsCert(), "eng-1")
		if err != nil {
			t.Fatal(err)
		}
		if got := conn.ConnectionState().TLS.CurveID; got != tt.want {
			t.Fatalf("classical=%v: key exchange %v, want %v", tt.classical, got, tt.want)
		}
	}
}

// Each heartbeat needs a fresh stream: downloads in flight must not take
// every stream credit, or the heartbeat would wait and the session fail.
func TestHeartbeatsAreAnsweredBesideDownloadsInFlight(t *testing.T) {
	work := newFakeWork()
	work.blobs["sha256:big"] = make([]byte, 4<<20) // more than the client's window: the download stalls open
	conn, _ := workSession(t, work)
	for i := range 6 {
		str, err := conn.OpenStreamSync(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { str.CancelRead(0); _ = str.Close() })
		if err := protocol.WriteMessage(str, &protocol.ArtifactRequest{Digest: "sha256:big"}); err != nil {
			t.Fatalf("download %d: %v", i, err)
		}
		if _, ok := next(t, str).(*protocol.ArtifactHeader); !ok {
			t.Fatalf("download %d did not start", i)
		}
	}
	if m, err := request(t, conn, &protocol.Heartbeat{Seq: 1}); err != nil {
		t.Fatalf("heartbeat beside 6 downloads: %v", err)
	} else if _, ok := m.(*protocol.HeartbeatAck); !ok {
		t.Fatalf("heartbeat answered with %#v", m)
	}
}
