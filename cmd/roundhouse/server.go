package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/controlplane"
)

func newServerCmd() *cobra.Command {
	var cfg controlplane.Config
	var logLevel string
	var memLimitMiB, minFreeMiB int64
	var smtpPasswordFile string
	var trustedProxies string
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run a control-plane node (bootstraps a single-node cluster unless --join is given)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return usageError{fmt.Errorf("--log-level: %w", err)}
			}
			cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			slog.SetDefault(cfg.Logger)
			if cfg.JoinToken == "" {
				cfg.JoinToken = os.Getenv("ROUNDHOUSE_TOKEN")
			}
			cfg.BootstrapToken = os.Getenv("ROUNDHOUSE_BOOTSTRAP_TOKEN")
			cfg.MemoryLimit = memLimitMiB << 20
			cfg.Raft.MinFreeBytes = minFreeMiB << 20
			if minFreeMiB < 0 {
				cfg.Raft.MinFreeBytes = -1
			}
			proxies, err := controlplane.ParseTrustedProxies(trustedProxies)
			if err != nil {
				return usageError{fmt.Errorf("--trusted-proxies: %w", err)}
			}
			cfg.TrustedProxies = proxies
			if smtpPasswordFile != "" {
				pw, err := os.ReadFile(smtpPasswordFile)
				if err != nil {
					return usageError{fmt.Errorf("--smtp-password-file: %w", err)}
				}
				cfg.Mail.Password = strings.TrimRight(string(pw), "\r\n")
			}
			srv, err := controlplane.New(cfg)
			if err != nil {
				return usageError{err}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return srv.Run(ctx)
		},
	}
	f := cmd.Flags()
	def := controlplane.DefaultConfig()
	f.StringVar(&cfg.DataDir, "data-dir", envOr("ROUNDHOUSE_DATA_DIR", def.DataDir), "data directory")
	f.StringVar(&cfg.NodeID, "node-id", os.Getenv("ROUNDHOUSE_NODE_ID"), "node ID (default: generated and stored in the data dir)")
	f.StringVar(&cfg.HTTPAddr, "http-addr", envOr("ROUNDHOUSE_HTTP_ADDR", def.HTTPAddr), "API address")
	f.StringVar(&cfg.QUICAddr, "quic-addr", envOr("ROUNDHOUSE_QUIC_ADDR", def.QUICAddr), "engine (QUIC, UDP) address")
	f.StringVar(&cfg.RaftAddr, "raft-addr", envOr("ROUNDHOUSE_RAFT_ADDR", def.RaftAddr), "raft (TCP) address")
	f.StringVar(&cfg.Join, "join", os.Getenv("ROUNDHOUSE_JOIN"), "HTTP address of any member of the cluster to join")
	f.StringVar(&cfg.JoinToken, "join-token", "", "token authorizing the join (default: $ROUNDHOUSE_TOKEN)")
	f.DurationVar(&cfg.EngineHeartbeatInterval, "engine-heartbeat-interval", def.EngineHeartbeatInterval, "how often engines heartbeat")
	f.DurationVar(&cfg.EngineHeartbeatTimeout, "engine-heartbeat-timeout", def.EngineHeartbeatTimeout, "silence after which an engine is NOT_AVAILABLE (at least 3x the interval)")
	f.DurationVar(&cfg.EngineSummaryInterval, "engine-summary-interval", def.EngineSummaryInterval, "how often, at most, each engine's last heartbeat time and host summary are written to the replicated state (also at each change of availability)")
	f.BoolVar(&cfg.EngineClassicalKeyExchange, "engine-classical-key-exchange", false, "engine connections use X25519 key exchange only, without the post-quantum hybrid (cheaper handshakes; a security trade-off)")
	f.StringVar(&cfg.EngineMinVersion, "engine-min-version", os.Getenv("ROUNDHOUSE_ENGINE_MIN_VERSION"), "oldest roundhouse-engine version served, e.g. 1.4.0: older engines are RETIRED until upgraded (empty: no minimum)")
	f.DurationVar(&cfg.Raft.HeartbeatTimeout, "raft-heartbeat-timeout", def.Raft.HeartbeatTimeout, "raft heartbeat timeout (failover speed vs. tolerance of slow links)")
	f.DurationVar(&cfg.Raft.ElectionTimeout, "raft-election-timeout", def.Raft.ElectionTimeout, "raft election timeout")
	f.Uint64Var(&cfg.Raft.SnapshotEntries, "raft-snapshot-entries", def.Raft.SnapshotEntries, "take a raft snapshot after this many log entries")
	f.Int64Var(&cfg.Raft.SnapshotBytes, "raft-snapshot-bytes", def.Raft.SnapshotBytes, "take a raft snapshot after this many bytes of commands")
	f.DurationVar(&cfg.Raft.SnapshotCheckInterval, "raft-snapshot-interval", def.Raft.SnapshotCheckInterval, "how often the snapshot thresholds are checked")
	f.Uint64Var(&cfg.Raft.TrailingLogs, "raft-trailing-logs", def.Raft.TrailingLogs, "log entries kept after a snapshot for lagging followers")
	f.Int64Var(&minFreeMiB, "min-free-disk-mib", def.Raft.MinFreeBytes>>20, "free space (MiB) the data dir's disk must keep: below it the node refuses writes with 507 and /health answers 503; -1: no check")
	f.DurationVar(&cfg.Raft.ApplyTimeout, "write-timeout", def.Raft.ApplyTimeout, "how long a write is held waiting for a leader before 503 NO_LEADER")
	f.IntVar(&cfg.Raft.WriteBatchMax, "write-batch-max", def.Raft.WriteBatchMax, "most concurrent writes the leader proposes as one raft log entry (1: an entry per write; at most 1024)")
	f.IntVar(&cfg.GCPercent, "gc-percent", 0, "Go GC target percentage (GOGC) of the server process; 0: 400 unless GOGC is set, -1: leave the runtime's")
	f.Int64Var(&memLimitMiB, "memory-limit-mib", 0, "soft memory limit of the server process in MiB (GOMEMLIMIT); 0: none")
	f.IntVar(&cfg.LicenseSeats, "license-seats", 0, "Management Console seats the license grants (0: no limit)")
	f.IntVar(&cfg.LicenseEngineTokens, "license-engine-tokens", 0, "engine tokens the license grants (0: no limit)")
	f.IntVar(&cfg.LicenseServiceAccounts, "license-service-accounts", 0, "service accounts the license allows (0: no limit)")
	f.DurationVar(&cfg.AccessTokenTTL, "access-token-ttl", def.AccessTokenTTL, "validity of tokens from POST /security/oauth/token")
	f.StringVar(&trustedProxies, "trusted-proxies", os.Getenv("ROUNDHOUSE_TRUSTED_PROXIES"), "comma-separated CIDR ranges of reverse proxies whose X-Forwarded-For names the client address (IP allowlist, audit log); empty: the TCP peer is the client")
	f.StringVar(&cfg.Mail.Addr, "smtp-addr", os.Getenv("ROUNDHOUSE_SMTP_ADDR"), "SMTP server (host:port) for notification mails; empty: webhooks only")
	f.StringVar(&cfg.Mail.From, "smtp-from", os.Getenv("ROUNDHOUSE_SMTP_FROM"), "sender address of notification mails")
	f.StringVar(&cfg.Mail.Username, "smtp-username", os.Getenv("ROUNDHOUSE_SMTP_USERNAME"), "SMTP AUTH PLAIN user (empty: no AUTH)")
	f.StringVar(&smtpPasswordFile, "smtp-password-file", os.Getenv("ROUNDHOUSE_SMTP_PASSWORD_FILE"), "file holding the SMTP password")
	f.StringVar(&cfg.Mail.Security, "smtp-security", envOr("ROUNDHOUSE_SMTP_SECURITY", "starttls"), "starttls (required), tls (implicit, port 465) or none (a local relay)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	// Tests only: task timeouts are whole minutes; a shorter "minute" lets
	// a timeout be observed in seconds.
	f.DurationVar(&cfg.Executions.Minute, "execution-minute", time.Minute, "length of one minute of task timeouts (tests only)")
	_ = f.MarkHidden("execution-minute")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return cmd
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
