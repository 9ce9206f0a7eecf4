package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config configures a Node. Every field has a safe default (DefaultConfig)
// applied to its zero value; only DataDir, NodeID, RaftAddr and APIAddr
// must be set.
type Config struct {
	// DataDir holds raft.db (log and stable store), the snapshots and
	// history.db (the history store, rebuilt at every start).
	DataDir string
	// NodeID is this node's stable raft server ID.
	NodeID string
	// RaftAddr is the TCP address the raft transport binds and advertises.
	RaftAddr string
	// APIAddr is the HTTP address peers use to reach this node's internal
	// endpoints (leader forwarding, join); recorded in the member table.
	APIAddr string

	// HeartbeatTimeout and ElectionTimeout bound how long followers wait
	// for the leader before starting an election. The raft defaults (1 s)
	// give 1.5-2.5 s failovers here; 500 ms keeps the leader-kill to first
	// accepted write under 1.5 s on a LAN. Raise them on slow networks.
	HeartbeatTimeout time.Duration
	ElectionTimeout  time.Duration
	// LeaderLeaseTimeout: how long a leader stays leader without contact
	// with a quorum. Must be below HeartbeatTimeout.
	LeaderLeaseTimeout time.Duration
	// CommitTimeout together with batched applies lets raft group
	// concurrent writes into one disk write (measured: 16-18k applies/s).
	CommitTimeout time.Duration
	// MaxAppendEntries caps entries per AppendEntries RPC and per FSM batch.
	MaxAppendEntries int
	// WriteBatchMax caps how many concurrent writes the leader proposes
	// together as one log entry (group commit, see proposer.go); 1 gives
	// every write an entry of its own. At most 1024.
	WriteBatchMax int

	// SnapshotEntries takes a snapshot after this many log entries.
	SnapshotEntries uint64
	// SnapshotBytes takes a snapshot once this many bytes of commands
	// were applied since the last one, whatever their count.
	SnapshotBytes int64
	// SnapshotCheckInterval is how often both thresholds are checked.
	SnapshotCheckInterval time.Duration
	// TrailingLogs is how many entries stay in the log after a snapshot so
	// slightly lagging followers catch up without a snapshot install.
	TrailingLogs uint64
	// SnapshotsRetained is how many snapshot files are kept on disk.
	SnapshotsRetained int

	// ApplyTimeout bounds how long a write waits, including waiting for a
	// leader during an election. Writes are held, not failed, meanwhile.
	// At most one minute: retries must stay well inside the dedupe window
	// (two minutes, see dedupe.go).
	ApplyTimeout time.Duration
	// MinFreeBytes is the free space the data dir's file system must keep:
	// below it the node refuses writes (ErrCannotPersist) instead of
	// proposing entries its disk cannot store, which would make raft step
	// the leader down at every write. Default 64 MiB; negative: no check.
	MinFreeBytes int64
	// ReadYourWritesTimeout bounds how long a follower waits to apply
	// locally a write it forwarded, so a read on the same node sees it.
	ReadYourWritesTimeout time.Duration

	// Logger receives the node's structured logs.
	Logger *slog.Logger
}

// DefaultConfig returns the default of every tunable field (the addresses,
// data dir and node ID have none). It is the one place they are declared:
// the server's flags show and take them from here.
func DefaultConfig() Config {
	return Config{
		HeartbeatTimeout:      500 * time.Millisecond,
		ElectionTimeout:       500 * time.Millisecond,
		LeaderLeaseTimeout:    250 * time.Millisecond, // half the heartbeat timeout
		CommitTimeout:         5 * time.Millisecond,
		MaxAppendEntries:      256,
		WriteBatchMax:         128,
		SnapshotEntries:       8192,
		SnapshotBytes:         64 << 20,
		SnapshotCheckInterval: 10 * time.Second,
		TrailingLogs:          10240,
		SnapshotsRetained:     2,
		ApplyTimeout:          10 * time.Second,
		MinFreeBytes:          64 << 20,
		ReadYourWritesTimeout: time.Second,
	}
}

// withDefaults fills the zero fields from DefaultConfig; a zero leader
// lease is half the heartbeat timeout, whatever that was set to.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	fill := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&c.HeartbeatTimeout, d.HeartbeatTimeout)
	fill(&c.ElectionTimeout, d.ElectionTimeout)
	fill(&c.LeaderLeaseTimeout, c.HeartbeatTimeout/2)
	fill(&c.CommitTimeout, d.CommitTimeout)
	fill(&c.SnapshotCheckInterval, d.SnapshotCheckInterval)
	fill(&c.ApplyTimeout, d.ApplyTimeout)
	fill(&c.ReadYourWritesTimeout, d.ReadYourWritesTimeout)
	if c.MaxAppendEntries == 0 {
		c.MaxAppendEntries = d.MaxAppendEntries
	}
	if c.WriteBatchMax == 0 {
		c.WriteBatchMax = d.WriteBatchMax
	}
	if c.SnapshotEntries == 0 {
		c.SnapshotEntries = d.SnapshotEntries
	}
	if c.SnapshotBytes == 0 {
		c.SnapshotBytes = d.SnapshotBytes
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = d.TrailingLogs
	}
	if c.SnapshotsRetained == 0 {
		c.SnapshotsRetained = d.SnapshotsRetained
	}
	if c.MinFreeBytes == 0 {
		c.MinFreeBytes = d.MinFreeBytes
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data dir is required"))
	}
	if c.NodeID == "" {
		errs = append(errs, errors.New("node id is required"))
	}
	if c.RaftAddr == "" {
		errs = append(errs, errors.New("raft address is required"))
	}
	if c.APIAddr == "" {
		errs = append(errs, errors.New("API address is required"))
	}
	if c.ApplyTimeout > maxApplyTimeout {
		// A retry older than the dedupe window could apply twice.
		errs = append(errs, fmt.Errorf("apply timeout %s must not exceed %s (command IDs are remembered %s)",
			c.ApplyTimeout, maxApplyTimeout, dedupeWindow))
	}
	if c.WriteBatchMax < 1 || c.WriteBatchMax > maxGroup {
		errs = append(errs, fmt.Errorf("write batch max %d must be between 1 and %d", c.WriteBatchMax, maxGroup))
	}
	if c.LeaderLeaseTimeout > c.HeartbeatTimeout {
		errs = append(errs, fmt.Errorf("leader lease timeout %s must not exceed heartbeat timeout %s",
			c.LeaderLeaseTimeout, c.HeartbeatTimeout))
	}
	return errors.Join(errs...)
}
