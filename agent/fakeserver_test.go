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
	// unsupported, when set, is the message every hello is answered with
	// by closing the session with CloseUnsupportedVersion; refused counts them.
	unsupported string
	refused     int

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

// handle serves one connection as the link does: pairing on its one
// stream, or a session (version 3) on the session stream.
func (s *fakeServer) handle(ctx context.Context, conn *quic.Conn) {
	defer conn.CloseWithError(0, "")
	str, err := conn.AcceptStream(ctx)
	if err != nil {
		return
	}
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return
	}
	switch r := m.(type) {
	case *protocol.PairRequest:
		_ = protocol.WriteMessage(str, &protocol.PairResponse{EngineID: "eng-1", Certificate: s.sign(r.CSR), CACertificate: s.ca.Cert.Raw})
		_ = str.Close()
		select { // the agent closes once it has the answer
		case <-conn.Context().Done():
		case <-ctx.Done():
		}
	case *protocol.Hello:
		s.mu.Lock()
		why := s.unsupported
		if why != "" {
			s.refused++
		}
		s.mu.Unlock()
		if why != "" {
			_ = conn.CloseWithError(protocol.CloseUnsupportedVersion, why)
			return
		}
		s.serveSession(ctx, conn, str)
	}
}

// serveSession answers the hello, then heartbeats and renewals on the
// session stream; work messages are recorded (fakework_test.go), and
// each announced stream is served on its own.
func (s *fakeServer) serveSession(ctx context.Context, conn *quic.Conn, str *quic.Stream) {
	var streams sync.WaitGroup
	defer streams.Wait()
	if s.write(str, &protocol.Welcome{NodeID: "fake", HeartbeatIntervalMillis: 50,
		Servers: []string{s.addr(), "0.0.0.0:7443", "cp2.example:7443", "garbage"}}) != nil {
		return
	}
	session := 0
	for {
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return
		}
		switch r := m.(type) {
		case *protocol.Heartbeat:
			s.mu.Lock()
			s.beats++
			s.mu.Unlock()
			err = s.write(str, &protocol.HeartbeatAck{Seq: r.Seq})
		case *protocol.RenewRequest:
			s.mu.Lock()
			s.renewals++
			s.mu.Unlock()
			err = s.write(str, &protocol.RenewResponse{Certificate: s.sign(r.CSR)})
		case *protocol.StreamOpen:
			streams.Go(func() { s.serveAnnounced(ctx, conn) })
		case *protocol.WorkOpen:
			session = s.workOpened(str)
		default:
			s.recordWork(m, session)
		}
		if err != nil {
			return
		}
	}
}

// write sends m on a session stream, serialised with push.
func (s *fakeServer) write(str *quic.Stream, m protocol.Message) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return protocol.WriteMessage(str, m)
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

// setUnsupported makes the server refuse every hello as an unsupported
// version (why != "") or serve them again ("").
func (s *fakeServer) setUnsupported(why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unsupported = why
}

func (s *fakeServer) refusals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
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
