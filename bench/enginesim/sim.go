package enginesim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/enginesession"
)

// Sim drives simulated engines against one or more control-plane nodes.
type Sim struct {
	servers    []*net.UDPAddr
	transports []*quic.Transport
	interval   time.Duration
	work       bool
	// separateReports: the deployment report goes on a timer of its own
	// (agents before it rode with heartbeats) instead of with the first
	// heartbeat after it is due, in the same write.
	separateReports bool
	roots           atomic.Pointer[x509.CertPool]
	dials           chan struct{} // bounds handshakes in flight (64)

	connected []atomic.Int64 // sessions with a welcome now, per server
	acks      atomic.Int64   // heartbeats acknowledged, total
	sessions  atomic.Int64   // sessions ever established
	failed    atomic.Int64   // heartbeats that got no ack (the session then ends)
}

// Engine is one paired engine's identity and the server it prefers.
type Engine struct {
	ID   string
	Home int // index of the server tried first
	cert tls.Certificate
}

// dial dials on one of the shared sockets.
func (s *Sim) dial(ctx context.Context, addr string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	return s.transport().Dial(ctx, ua, tlsConf, conf)
}

// New opens transports shared UDP sockets for engines heartbeating every
// interval against servers (host:port, UDP).
func New(servers []string, transports int, interval time.Duration) (*Sim, error) {
	return NewWithWork(servers, transports, interval, false)
}

// NewWithWork is New; with work, every session also holds a work stream
// open, as real agents do (the server then keeps its assignment loop).
func NewWithWork(servers []string, transports int, interval time.Duration, work bool) (*Sim, error) {
	s := &Sim{interval: interval, work: work, dials: make(chan struct{}, 64), connected: make([]atomic.Int64, len(servers))}
	for _, a := range servers {
		ua, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			return nil, fmt.Errorf("server %s: %w", a, err)
		}
		s.servers = append(s.servers, ua)
	}
	for range transports {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			s.Close()
			return nil, err
		}
		s.transports = append(s.transports, &quic.Transport{Conn: c})
	}
	return s, nil
}

// SeparateReports makes every session send its deployment report on a
// timer of its own, as agents did before the report rode with the first
// heartbeat after it is due (in the same write: one packet). Call before
// Run.
func (s *Sim) SeparateReports() { s.separateReports = true }

// Close closes the shared sockets (and every session on them).
func (s *Sim) Close() {
	for _, t := range s.transports {
		_ = t.Close()
	}
}

// Connected is the number of engines with a live session, on every server.
func (s *Sim) Connected() int64 {
	var n int64
	for i := range s.connected {
		n += s.connected[i].Load()
	}
	return n
}

// ConnectedTo is the number of engines with a live session on server i.
func (s *Sim) ConnectedTo(i int) int64 { return s.connected[i].Load() }

// Acks is the number of heartbeats acknowledged so far.
func (s *Sim) Acks() int64 { return s.acks.Load() }

// Sessions is the number of sessions established so far.
func (s *Sim) Sessions() int64 { return s.sessions.Load() }

// Failed is the number of heartbeats that went unanswered so far.
func (s *Sim) Failed() int64 { return s.failed.Load() }

func (s *Sim) transport() *quic.Transport { return s.transports[rand.N(len(s.transports))] }

// Pair runs one pairing against server home, as `roundhouse-engine pair` does.
func (s *Sim) Pair(ctx context.Context, home int, keyString string) (Engine, error) {
	c, err := enginesession.Pair(ctx, s.servers[home].String(), enginesession.PairRequest{Key: keyString,
		Facts: protocol.HostFacts{Hostname: "sim"}, Timeout: 30 * time.Second, Dial: s.dial})
	if err != nil {
		return Engine{}, err
	}
	if s.roots.Load() == nil {
		s.roots.Store(c.Roots())
	}
	return Engine{ID: c.EngineID, Home: home, cert: c.TLSCertificate()}, nil
}
