package controlplane

import (
	"errors"
	"fmt"
	"github.com/roundhouse/roundhouse/controlplane/delivery"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/deployments"
	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/schedulefire"
)

// Config configures a control-plane node. Zero values take the defaults of
// the contract (`roundhouse server` flags).
type Config struct {
	// DataDir holds the raft store, snapshots, node-id and, on the first
	// node, bootstrap-token.
	DataDir string
	// NodeID overrides the ID stored in the data dir on first start.
	NodeID string
	// HTTPAddr serves the API, /health, /metrics and node-to-node calls.
	HTTPAddr string
	// QUICAddr serves engine sessions (UDP).
	QUICAddr string
	// RaftAddr is the raft transport's TCP address.
	RaftAddr string
	// Join is the HTTP address of any member of an existing cluster; empty
	// bootstraps a new single-node cluster.
	Join string
	// JoinToken authorizes the join (a token with control-plane rights).
	JoinToken string
	// BootstrapToken, when set, becomes the bootstrap admin's token instead
	// of a generated one.
	BootstrapToken string

	// EngineHeartbeatInterval is how often engines heartbeat;
	// EngineHeartbeatTimeout marks an engine NOT_AVAILABLE after silence.
	EngineHeartbeatInterval time.Duration
	EngineHeartbeatTimeout  time.Duration
	// EngineClassicalKeyExchange limits agent connections to X25519 key
	// exchange (no post-quantum hybrid): see enginelink.Config.
	EngineClassicalKeyExchange bool
	// EngineSummaryInterval is how often, at most, each engine's last
	// heartbeat time and host summary are written to its replicated record
	// (and at each change of its availability); never per heartbeat.
	EngineSummaryInterval time.Duration
	// EngineMinVersion is the oldest roundhouse-engine release served,
	// e.g. "1.4.0": an engine whose agent is older (or reports no parsable
	// version) is RETIRED until a supported agent connects. Empty (the
	// default): no minimum. Give every node the same value.
	EngineMinVersion string

	// AuditRetention is how long audit entries are kept.
	AuditRetention time.Duration

	// Executions tunes job runs (busy retries, queue cap, timeouts' minute,
	// log bounds) and names the engine directory; its LogDir defaults to
	// <DataDir>/execution-logs.
	Executions executions.Config
	// LicenseSeats is the number of Management Console seats (users
	// holding a seat-taking permission); 0 means no limit.
	LicenseSeats int
	// LicenseEngineTokens is the number of engine tokens the license
	// grants (engines consume them); 0 means no limit.
	LicenseEngineTokens int
	// LicenseServiceAccounts caps the number of service accounts (the
	// product gives 3 per admin add-on); 0 means no limit.
	LicenseServiceAccounts int
	// AccessTokenTTL is how long tokens from POST /security/oauth/token
	// are valid (30 minutes, as in Talend's service account API).
	AccessTokenTTL time.Duration
	// TrustedProxies are the reverse proxies (CIDR ranges) whose
	// X-Forwarded-For header names the caller's address, for the IP
	// allowlist and the audit log. Empty: the TCP peer is the caller and
	// forwarding headers are ignored.
	TrustedProxies []netip.Prefix
	// VerifyPassword checks a login's password against its stored hash
	// (argon2id when nil); tests count the work logins do through it.
	VerifyPassword func(hash, password string) bool

	// Deployments tunes route and data-service deployments (metrics
	// staleness and rate, the deployment watcher's rescan).
	Deployments deployments.Config

	// Scheduler tunes the trigger scheduler (clock, misfire grace, public
	// base URL of webhooks); its limits and logger are set by the server.
	Scheduler schedulefire.Config

	// Raft tunes the replicated state; its addresses and data dir are set
	// from the fields above.
	Raft cluster.Config

	// Mail is the SMTP server notifications are mailed through (to the
	// subscriber's profile email, for subscriptions without a url); the
	// zero value sends no mail and subscriptions must name a webhook url.
	Mail delivery.Mailer

	// GCPercent is the garbage collector's target for this process
	// (GOGC): how far the heap may grow past the live data before the
	// next collection. The replicated state is a large, pointer-rich heap
	// that every collection scans: at Go's default of 100 the collector
	// took a quarter of the CPU of a write load. 0 takes DefaultGCPercent
	// unless the GOGC environment variable is set; -1 leaves the runtime's
	// setting alone. Process-wide: the last server started in a process
	// sets it.
	GCPercent int
	// MemoryLimit is a soft limit on the process's Go memory in bytes
	// (GOMEMLIMIT): near it the collector runs as often as it must,
	// whatever GCPercent allows. 0 sets none (the GOMEMLIMIT environment
	// variable still applies). Process-wide, as GCPercent.
	MemoryLimit int64

	Logger *slog.Logger
}

// DefaultGCPercent trades memory for CPU: the heap may reach five times
// the live state between collections.
const DefaultGCPercent = 400

// DefaultConfig returns the defaults of the contract: the one place the
// server's are declared, or taken from the package that owns them (the
// engine link's heartbeat timing, the replicated state's raft tuning).
// The server's flags show and take them from here.
func DefaultConfig() Config {
	link, monitor := enginelink.DefaultConfig(), enginelink.DefaultMonitorConfig()
	return Config{
		DataDir:                 "./roundhouse-data",
		HTTPAddr:                "127.0.0.1:8080",
		QUICAddr:                "127.0.0.1:7443",
		RaftAddr:                "127.0.0.1:7000",
		EngineHeartbeatInterval: link.HeartbeatInterval,
		EngineHeartbeatTimeout:  link.HeartbeatTimeout,
		EngineSummaryInterval:   monitor.SummaryInterval,
		AuditRetention:          365 * 24 * time.Hour,
		AccessTokenTTL:          30 * time.Minute,
		Raft:                    cluster.DefaultConfig(),
	}
}

// WithDefaults fills zero fields from DefaultConfig.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.DataDir, d.DataDir)
	def(&c.HTTPAddr, d.HTTPAddr)
	def(&c.QUICAddr, d.QUICAddr)
	def(&c.RaftAddr, d.RaftAddr)
	if c.EngineHeartbeatInterval == 0 {
		c.EngineHeartbeatInterval = d.EngineHeartbeatInterval
	}
	if c.EngineHeartbeatTimeout == 0 {
		c.EngineHeartbeatTimeout = d.EngineHeartbeatTimeout
	}
	if c.EngineSummaryInterval == 0 {
		c.EngineSummaryInterval = d.EngineSummaryInterval
	}
	if c.AccessTokenTTL == 0 {
		c.AccessTokenTTL = d.AccessTokenTTL
	}
	if c.AuditRetention == 0 {
		c.AuditRetention = d.AuditRetention
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports every bad setting at once.
func (c Config) Validate() error {
	var errs []error
	for name, addr := range map[string]string{"--http-addr": c.HTTPAddr, "--quic-addr": c.QUICAddr, "--raft-addr": c.RaftAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want HOST:PORT", name, addr))
		}
	}
	if c.EngineHeartbeatInterval <= 0 {
		errs = append(errs, errors.New("--engine-heartbeat-interval must be positive"))
	}
	if c.EngineHeartbeatTimeout < 3*c.EngineHeartbeatInterval {
		errs = append(errs, fmt.Errorf("--engine-heartbeat-timeout %s must be at least 3x the interval %s",
			c.EngineHeartbeatTimeout, c.EngineHeartbeatInterval))
	}
	if c.EngineSummaryInterval < 0 {
		errs = append(errs, errors.New("--engine-summary-interval must be positive"))
	}
	if err := enginelink.CheckMinEngineVersion(c.EngineMinVersion); err != nil {
		errs = append(errs, fmt.Errorf("--engine-min-version: %w", err))
	}
	if c.LicenseSeats < 0 || c.LicenseEngineTokens < 0 || c.LicenseServiceAccounts < 0 {
		errs = append(errs, errors.New("license seats, engine tokens and service accounts must not be negative"))
	}
	if c.GCPercent < -1 {
		errs = append(errs, fmt.Errorf("--gc-percent %d: want -1 (leave the runtime alone), 0 (default) or a positive percentage", c.GCPercent))
	}
	if c.MemoryLimit < 0 {
		errs = append(errs, errors.New("--memory-limit must not be negative"))
	}
	if err := c.Mail.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.AccessTokenTTL < 0 {
		errs = append(errs, errors.New("access token TTL must be positive"))
	}
	return errors.Join(errs...)
}

// ParseTrustedProxies reads a comma-separated list of CIDR ranges (a
// bare address is a range of one); empty gives none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR range", part)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// errJoinNeedsToken is returned for --join without a token on a node that
// has no state yet; a node that already has state ignores --join.
var errJoinNeedsToken = errors.New("--join needs a token: set ROUNDHOUSE_TOKEN (or --join-token) to a token with control-plane rights")
