package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// deployCP is a stand-in control plane speaking the engine wire protocol
// (protocol/): it pairs engines, answers hellos and heartbeats, serves
// artifacts by digest, pushes Deploy/Undeploy on the latest work stream
// and collects the deployment statuses and reports. It lets the real
// roundhouse-engine binary be tested on deployments before the control
// plane's side of them exists.
type deployCP struct {
	t  *testing.T
	ca *protocol.CA
	ln *quic.Listener

	mu        sync.Mutex
	conns     []*quic.Conn
	artifacts map[string][]byte
	work      *quic.Stream
	sessions  int
	statuses  []protocol.DeploymentStatus
	reports   []cpReport
}

// cpReport is a DeploymentReport and the work stream (1, 2, ...) it came on.
type cpReport struct {
	session int
	protocol.DeploymentReport
}

func startDeployCP(t *testing.T) *deployCP {
	t.Helper()
	ca, err := protocol.NewCA("e2e", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.IssueServerCertificate("e2e", []string{"127.0.0.1"}, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{protocol.ALPNPair, protocol.ALPNEngine},
		ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: ca.Pool()}
	ln, err := quic.ListenAddr("127.0.0.1:0", tlsConf, &quic.Config{MaxIdleTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cp := &deployCP{t: t, ca: ca, ln: ln, artifacts: map[string][]byte{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { cp.serve(ctx, &wg) })
	t.Cleanup(func() {
		cancel()
		_ = ln.Close()
		cp.mu.Lock()
		for _, c := range cp.conns { // a killed engine's would linger until its idle timeout
			_ = c.CloseWithError(0, "test over")
		}
		cp.mu.Unlock()
		wg.Wait()
	})
	return cp
}

func (cp *deployCP) addr() string { return cp.ln.Addr().String() }

func (cp *deployCP) key() string {
	k, _ := protocol.NewPairKey(cp.ca.Fingerprint())
	return k.String()
}

func (cp *deployCP) serve(ctx context.Context, wg *sync.WaitGroup) {
	for {
		conn, err := cp.ln.Accept(ctx)
		if err != nil {
			return
		}
		cp.mu.Lock()
		cp.conns = append(cp.conns, conn)
		cp.mu.Unlock()
		wg.Go(func() {
			defer conn.CloseWithError(0, "")
			str, err := conn.AcceptStream(ctx)
			if err != nil {
				return
			}
			wg.Go(func() { cp.acceptStreams(ctx, conn) })
			cp.control(str)
		})
	}
}

// control answers pairing, hello, heartbeats and renewals.
func (cp *deployCP) control(str *quic.Stream) {
	for {
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return
		}
		var reply protocol.Message
		switch r := m.(type) {
		case *protocol.PairRequest:
			reply = &protocol.PairResponse{EngineID: "eng-e2e", Certificate: cp.sign(r.CSR), CACertificate: cp.ca.Cert.Raw}
		case *protocol.Hello:
			reply = &protocol.Welcome{NodeID: "fake", HeartbeatIntervalMillis: 1000, Servers: []string{cp.addr()}}
		case *protocol.Heartbeat:
			reply = &protocol.HeartbeatAck{Seq: r.Seq}
		case *protocol.RenewRequest:
			reply = &protocol.RenewResponse{Certificate: cp.sign(r.CSR)}
		default:
			return
		}
		if protocol.WriteMessage(str, reply) != nil {
			return
		}
	}
}

func (cp *deployCP) sign(csrDER []byte) []byte {
	csr, err := protocol.CheckCSR(csrDER)
	if err != nil {
		cp.t.Error(err)
		return nil
	}
	serial, _ := protocol.NewSerial()
	der, err := cp.ca.SignEngineCSR(csr, "eng-e2e", protocol.SerialString(serial), time.Now(), time.Hour)
	if err != nil {
		cp.t.Error(err)
	}
	return der
}

func (cp *deployCP) acceptStreams(ctx context.Context, conn *quic.Conn) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		str, err := conn.AcceptStream(ctx)
		if err != nil {
			return
		}
		wg.Go(func() { cp.stream(str) })
	}
}

// stream serves an artifact download or reads a work stream.
func (cp *deployCP) stream(str *quic.Stream) {
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return
	}
	switch msg := m.(type) {
	case *protocol.ArtifactRequest:
		cp.mu.Lock()
		b, ok := cp.artifacts[msg.Digest]
		cp.mu.Unlock()
		if !ok {
			_ = protocol.WriteMessage(str, &protocol.Error{Code: protocol.CodeArtifactNotFound, Message: "no artifact " + msg.Digest})
			return
		}
		if protocol.WriteMessage(str, &protocol.ArtifactHeader{Digest: msg.Digest, Size: int64(len(b))}) == nil {
			_, _ = bytes.NewReader(b).WriteTo(str)
		}
		_ = str.Close()
	case *protocol.WorkOpen:
		cp.mu.Lock()
		cp.work = str
		cp.sessions++
		session := cp.sessions
		cp.mu.Unlock()
		for {
			m, err := protocol.ReadMessage(str)
			if err != nil {
				return
			}
			cp.mu.Lock()
			switch msg := m.(type) {
			case *protocol.DeploymentStatus:
				cp.statuses = append(cp.statuses, *msg)
			case *protocol.DeploymentReport:
				cp.reports = append(cp.reports, cpReport{session, *msg})
			}
			cp.mu.Unlock()
		}
	}
}

// push sends m on the latest work stream.
func (cp *deployCP) push(m protocol.Message) {
	cp.t.Helper()
	engEventually(cp.t, 10*time.Second, "a work stream", func() bool {
		cp.mu.Lock()
		defer cp.mu.Unlock()
		return cp.work != nil
	})
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if err := protocol.WriteMessage(cp.work, m); err != nil {
		cp.t.Fatalf("push %T: %v", m, err)
	}
}

func (cp *deployCP) last(id string) protocol.DeploymentStatus {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for i := len(cp.statuses) - 1; i >= 0; i-- {
		if cp.statuses[i].DeploymentID == id {
			return cp.statuses[i]
		}
	}
	return protocol.DeploymentStatus{}
}

// reported is the deployment's status in the latest report of a work
// stream after session.
func (cp *deployCP) reported(after int, id string) (protocol.DeploymentStatus, bool) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for i := len(cp.reports) - 1; i >= 0; i-- {
		if cp.reports[i].session <= after {
			break
		}
		for _, st := range cp.reports[i].Deployments {
			if st.DeploymentID == id {
				return st, true
			}
		}
	}
	return protocol.DeploymentStatus{}, false
}

func (cp *deployCP) sessionCount() int {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.sessions
}
