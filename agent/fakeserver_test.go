package agent

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// fakeServer is a minimal control plane built on protocol only: it pairs
// one engine, answers hellos, heartbeats and renewals, and can close
// sessions with a given code. (The real one is tested in enginelink.)
type fakeServer struct {
	t        *testing.T
	ca       *protocol.CA
	ln       *quic.Listener
	validity time.Duration

	mu       sync.Mutex
	beats    int
	renewals int
	conns    []*quic.Conn
	refuse   bool // close every session with CloseRevoked

	work
}

func newFakeServer(t *testing.T, validity time.Duration) *fakeServer {
	t.Helper()
	ca, err := protocol.NewCA("fake", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.IssueServerCertificate("fake", []string{"127.0.0.1"}, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tlsConf := &tls.Config{
		Certificates: []tls.Certificate{cert}, NextProtos: []string{protocol.ALPNPair, protocol.ALPNEngine},
		ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: ca.Pool(),
	}
	ln, err := quic.ListenAddr("127.0.0.1:0", tlsConf, &quic.Config{MaxIdleTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, ca: ca, ln: ln, validity: validity}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.serve(ctx) }()
	t.Cleanup(func() { cancel(); _ = ln.Close(); <-done })
	return s
}

func (s *fakeServer) addr() string { return s.ln.Addr().String() }

func (s *fakeServer) key() string {
	k, _ := protocol.NewPairKey(s.ca.Fingerprint())
	return k.String()
}

func (s *fakeServer) serve(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := s.ln.Accept(ctx)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, conn)
		refuse := s.refuse
		s.mu.Unlock()
		wg.Go(func() {
			if refuse {
				_ = conn.CloseWithError(protocol.CloseRevoked, "engine deleted")
				return
			}
			s.handle(ctx, conn)
		})
	}
}

// handle answers each stream's one request, as the link does: pairing on
// the first stream, then hello, heartbeats and renewals on short streams;
// work and artifact streams are served on their own (fakework_test.go).
func (s *fakeServer) handle(ctx context.Context, conn *quic.Conn) {
	var streams sync.WaitGroup
	defer streams.Wait()
	defer conn.CloseWithError(0, "")
	for {
		str, err := conn.AcceptStream(ctx)
		if err != nil {
			return
		}
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return
		}
		var reply protocol.Message
		switch r := m.(type) {
		case *protocol.WorkOpen, *protocol.ArtifactRequest:
			streams.Go(func() { s.serveStream(str, m) })
			continue
		case *protocol.PairRequest:
			reply = &protocol.PairResponse{EngineID: "eng-1", Certificate: s.sign(r.CSR), CACertificate: s.ca.Cert.Raw}
		case *protocol.Hello:
			reply = &protocol.Welcome{NodeID: "fake", HeartbeatIntervalMillis: 50,
				Servers: []string{s.addr(), "0.0.0.0:7443", "cp2.example:7443", "garbage"}}
		case *protocol.Heartbeat:
			s.mu.Lock()
			s.beats++
			s.mu.Unlock()
			reply = &protocol.HeartbeatAck{Seq: r.Seq}
		case *protocol.RenewRequest:
			s.mu.Lock()
			s.renewals++
			s.mu.Unlock()
			reply = &protocol.RenewResponse{Certificate: s.sign(r.CSR)}
		default:
			reply = &protocol.Error{Code: protocol.CodeBadRequest, Message: "fake server: unexpected request"}
		}
		err = protocol.WriteMessage(str, reply)
		str.CancelRead(0)
		_ = str.Close()
		if err != nil {
			return
		}
	}
}

func (s *fakeServer) sign(csrDER []byte) []byte {
	csr, err := protocol.CheckCSR(csrDER)
	if err != nil {
		s.t.Error(err)
		return nil
	}
	serial, _ := protocol.NewSerial()
	der, err := s.ca.SignEngineCSR(csr, "eng-1", protocol.SerialString(serial), time.Now(), s.validity)
	if err != nil {
		s.t.Error(err)
	}
	return der
}

func (s *fakeServer) counts() (beats, renewals int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.beats, s.renewals
}

func (s *fakeServer) closeAll(code quic.ApplicationErrorCode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = code == protocol.CloseRevoked
	for _, c := range s.conns {
		_ = c.CloseWithError(code, "closed by test")
	}
}

func deadUDPAddr(t *testing.T) string {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := c.LocalAddr().String()
	_ = c.Close()
	return addr
}
