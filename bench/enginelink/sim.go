package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// sim drives simulated engines: real QUIC sessions over a few shared UDP
// transports, heartbeating like agents.
type sim struct {
	addr       *net.UDPAddr
	transports []*quic.Transport
	interval   time.Duration
	roots      atomic.Pointer[x509.CertPool]
	dials      chan struct{} // bounds handshakes in flight, as quic-scale.md did (64)

	connected atomic.Int64 // sessions with a welcome, now
	acks      atomic.Int64 // heartbeats acknowledged, total
	sessions  atomic.Int64 // sessions ever established
}

// simEngine is one paired engine's identity.
type simEngine struct {
	id   string
	cert tls.Certificate
}

func newSim(addr string, transports int, interval time.Duration) (*sim, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	s := &sim{addr: ua, interval: interval, dials: make(chan struct{}, 64)}
	for range transports {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, err
		}
		s.transports = append(s.transports, &quic.Transport{Conn: c})
	}
	return s, nil
}

func (s *sim) close() {
	for _, t := range s.transports {
		_ = t.Close()
	}
}

func (s *sim) transport() *quic.Transport { return s.transports[rand.N(len(s.transports))] }

// pair runs one pairing like `roundhouse-engine pair` does.
func (s *sim) pair(ctx context.Context, keyString string) (simEngine, error) {
	key, err := protocol.ParsePairKey(keyString)
	if err != nil {
		return simEngine{}, err
	}
	conf := &tls.Config{
		MinVersion: tls.VersionTLS13, NextProtos: []string{protocol.ALPNPair}, InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			for _, c := range cs.PeerCertificates[1:] {
				if sha256.Sum256(c.Raw) == key.CA {
					return nil
				}
			}
			return errors.New("CA mismatch")
		},
	}
	conn, err := s.transport().Dial(ctx, s.addr, conf, &quic.Config{})
	if err != nil {
		return simEngine{}, err
	}
	defer func() { _ = conn.CloseWithError(0, "") }()
	priv, _ := protocol.NewEngineKey()
	csr, _ := protocol.NewCSR(priv, "sim")
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return simEngine{}, err
	}
	if err := protocol.WriteMessage(str, &protocol.PairRequest{Key: keyString, CSR: csr}); err != nil {
		return simEngine{}, err
	}
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return simEngine{}, err
	}
	r, ok := m.(*protocol.PairResponse)
	if !ok {
		return simEngine{}, fmt.Errorf("pairing refused: %v", m)
	}
	if s.roots.Load() == nil {
		ca, _ := x509.ParseCertificate(r.CACertificate)
		pool := x509.NewCertPool()
		pool.AddCert(ca)
		s.roots.Store(pool)
	}
	return simEngine{id: r.EngineID, cert: tls.Certificate{Certificate: [][]byte{r.Certificate}, PrivateKey: priv}}, nil
}

// open dials and says hello, at most 64 at a time.
func (s *sim) open(ctx context.Context, e simEngine, conf *tls.Config) (*quic.Conn, *quic.Stream, bool) {
	select {
	case s.dials <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, false
	}
	defer func() { <-s.dials }()
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := s.transport().Dial(dctx, s.addr, conf, &quic.Config{MaxIdleTimeout: 4 * s.interval})
	if err != nil {
		return nil, nil, false
	}
	str, err := conn.OpenStreamSync(dctx)
	if err == nil {
		_ = str.SetDeadline(time.Now().Add(10 * time.Second))
		err = protocol.WriteMessage(str, &protocol.Hello{EngineID: e.id, AgentVersion: "sim"})
	}
	if err == nil {
		_, err = protocol.ReadMessage(str)
	}
	if err != nil {
		_ = conn.CloseWithError(0, "")
		return nil, nil, false
	}
	return conn, str, true
}

// run keeps one engine's session up until ctx ends, reconnecting with
// jittered exponential back-off as the agent does.
func (s *sim) run(ctx context.Context, e simEngine) {
	wait := 500 * time.Millisecond
	for ctx.Err() == nil {
		if s.session(ctx, e) {
			wait = 500 * time.Millisecond
		}
		d := wait/2 + rand.N(wait/2+1)
		wait = min(2*wait, 30*time.Second)
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
}

func (s *sim) session(ctx context.Context, e simEngine) (established bool) {
	conf := &tls.Config{MinVersion: tls.VersionTLS13, NextProtos: []string{protocol.ALPNEngine},
		RootCAs: s.roots.Load(), ServerName: protocol.ServerName, Certificates: []tls.Certificate{e.cert}}
	conn, str, ok := s.open(ctx, e, conf)
	if !ok {
		return false
	}
	defer func() { _ = conn.CloseWithError(0, "") }()
	s.connected.Add(1)
	s.sessions.Add(1)
	defer s.connected.Add(-1)
	next := time.Now().Add(rand.N(s.interval)) // random phase, as real fleets have
	for seq := uint64(1); ; seq++ {
		select {
		case <-ctx.Done():
			return true
		case <-conn.Context().Done():
			return true
		case <-time.After(time.Until(next)):
		}
		next = next.Add(s.interval*9/10 + rand.N(s.interval/5+1))
		_ = str.SetDeadline(time.Now().Add(s.interval))
		if protocol.WriteMessage(str, &protocol.Heartbeat{Seq: seq}) != nil {
			return true
		}
		if _, err := protocol.ReadMessage(str); err != nil {
			return true
		}
		s.acks.Add(1)
	}
}
