package enginelink

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/quic-go/quic-go"
)

// Config tunes the agent listener. The zero value of every field but Addr
// picks the documented default.
type Config struct {
	// NodeID names this control-plane node in the server certificate and the
	// Welcome message.
	NodeID string

	// Addr is the UDP address to listen on, e.g. "127.0.0.1:7443".
	Addr string

	// Hosts are extra host names and IPs put in this node's certificate.
	// Agents verify protocol.ServerName, so these are informational.
	Hosts []string

	// HeartbeatInterval is pushed to agents at session start. Default 60 s
	// (all defaults: DefaultConfig).
	HeartbeatInterval time.Duration

	// HeartbeatTimeout is how long an engine may stay silent before it is
	// NOT_AVAILABLE; it must be at least 3× the interval. Default 180 s.
	// The QUIC idle timeout is set a little above it, on the server side,
	// because the negotiated idle timeout is the smaller of both sides.
	HeartbeatTimeout time.Duration

	// EngineCertValidity is the lifetime of engine client certificates.
	// Agents renew over the live session when a third of it is left.
	// Default 90 days.
	EngineCertValidity time.Duration

	// ServerCertValidity is the lifetime of this node's certificate, issued
	// at start. Default 1 year.
	ServerCertValidity time.Duration

	// PairAttemptsPerMinute and PairBurst rate-limit failed pairing attempts
	// per source IP against brute force; a source over its budget is refused
	// even with a good key until the budget refills. Defaults 10 and 5.
	PairAttemptsPerMinute int
	PairBurst             int

	// RequestTimeout bounds each step of a session start (first stream,
	// first message) and each replicated write made for an agent. Default 10 s.
	RequestTimeout time.Duration

	// Servers, when set, returns every node's agent address; it is pushed
	// to agents in the Welcome so they can fail over to nodes they were
	// not paired with.
	Servers func() []string

	// Work, when set, is where sessions take assignments from and send
	// statuses, logs and artifact requests to. Without it sessions carry
	// only hello, heartbeats and renewals (work streams are refused).
	Work Work

	// Replaced, when set, returns a channel closed the next time the
	// replica Work reads is replaced by a snapshot install (cluster
	// Node.Replaced): the watch channels Work returned then never fire,
	// and work watchers re-read on it instead. Nil: the replica is never
	// replaced (tests, benchmarks).
	Replaced func() <-chan struct{}

	// ClassicalKeyExchange restricts the TLS key exchange of agent
	// connections to X25519, without the default post-quantum hybrid
	// (X25519MLKEM768). It is a security trade-off, off by default: a
	// recorded session could be decrypted by a future quantum computer.
	// What it buys is measured in BENCHMARKS.md (handshake CPU, memory).
	ClassicalKeyExchange bool

	// MinEngineVersion is the oldest agent release this node serves, e.g.
	// "1.4.0" (a semantic version; pre-release and build suffixes are
	// ignored). A paired engine whose agent reports an older version, or a
	// version that does not parse, is recorded RETIRED and its session
	// closed with CloseUnsupportedVersion telling to upgrade; it is
	// AVAILABLE again as soon as a supported agent connects. Give every
	// node the same value. Default "": no minimum. Agents speaking a
	// session protocol no longer served (ALPNEngineV1) are retired either way.
	MinEngineVersion string

	// StatelessResetKey lets a node that crashed and restarted answer the
	// next packet of each session its previous run held with a QUIC
	// stateless reset, so the agent reconnects at once instead of waiting
	// out its heartbeat-ack timeout. Keep it secret and the same across
	// restarts of this node (controlplane stores one in the data dir).
	// Nil: no resets; such agents notice the crash by the ack timeout.
	StatelessResetKey *quic.StatelessResetKey

	// PacketConn, when set, is the UDP socket to serve on instead of
	// binding Addr (tests; socket activation). The server closes it.
	PacketConn net.PacketConn

	// Logger receives the link's logs. Default slog.Default().
	Logger *slog.Logger
}

// DefaultConfig returns the default of every tunable field. It is the one
// place they are declared: the control plane's defaults and the server's
// flags take them from here.
func DefaultConfig() Config {
	const interval = 60 * time.Second
	return Config{
		HeartbeatInterval:     interval,
		HeartbeatTimeout:      3 * interval,
		EngineCertValidity:    90 * 24 * time.Hour,
		ServerCertValidity:    365 * 24 * time.Hour,
		PairAttemptsPerMinute: 10,
		PairBurst:             5,
		RequestTimeout:        10 * time.Second,
	}
}

// withDefaults fills the zero fields from DefaultConfig; a zero heartbeat
// timeout is three heartbeat intervals, whatever the interval was set to.
func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig()
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = d.HeartbeatInterval
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = 3 * c.HeartbeatInterval
	}
	if c.EngineCertValidity == 0 {
		c.EngineCertValidity = d.EngineCertValidity
	}
	if c.ServerCertValidity == 0 {
		c.ServerCertValidity = d.ServerCertValidity
	}
	if c.PairAttemptsPerMinute == 0 {
		c.PairAttemptsPerMinute = d.PairAttemptsPerMinute
	}
	if c.PairBurst == 0 {
		c.PairBurst = d.PairBurst
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = d.RequestTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Addr == "" && c.PacketConn == nil {
		return c, errors.New("engine link: listen address is required")
	}
	if err := CheckHeartbeatTiming(c.HeartbeatInterval, c.HeartbeatTimeout); err != nil {
		return c, err
	}
	if _, err := newVersionPolicy(c.MinEngineVersion); err != nil {
		return c, fmt.Errorf("engine link: %w", err)
	}
	return c, nil
}

// CheckMinEngineVersion refuses a minimum engine version that is not a
// version like 1.4.0 ("" is no minimum), so a typo fails at start.
func CheckMinEngineVersion(v string) error {
	_, err := newVersionPolicy(v)
	return err
}

// CheckHeartbeatTiming refuses a timeout under 3× the interval: with less,
// one lost heartbeat would mark a healthy engine down.
func CheckHeartbeatTiming(interval, timeout time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("engine heartbeat interval %s must be positive", interval)
	}
	if timeout < 3*interval {
		return fmt.Errorf("engine heartbeat timeout %s must be at least 3x the interval %s", timeout, interval)
	}
	return nil
}
