package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// ErrNoLeader is returned when a write or consistent read cannot reach a
// leader within the apply timeout: this node is partitioned from a quorum
// or an election did not finish.
var ErrNoLeader = errors.New("no leader: this control-plane node cannot reach a quorum")

// Node is one control-plane member: a raft server with its FSM.
type Node struct {
	cfg   Config
	raft  *raft.Raft
	fsm   *fsm
	store *raftboltdb.BoltStore
	trans *raft.NetworkTransport
	peers *peerClient
	loops *leaderLoops
	prop  *proposer

	caughtUp      chan struct{} // closed once caught up (catchup.go)
	caughtUpIndex atomic.Uint64

	stop    context.CancelFunc
	wg      sync.WaitGroup
	closeMu sync.Mutex
	closed  bool
}

// Open creates the node's stores and raft server. It does not bootstrap or
// join: call Start for that, after registering leader loops.
func Open(cfg Config, spec Spec) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("cluster config: %w", err)
	}
	full, err := builtinSpec().merged(spec)
	if err != nil {
		return nil, err
	}
	full.OnApplied, full.AfterRestore = spec.OnApplied, spec.AfterRestore
	f, err := newFSM(full, cfg.Logger)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	hist, err := openHistory(filepath.Join(cfg.DataDir, "history.db"), full.History)
	if err != nil {
		return nil, err
	}
	if err := f.attachHistory(hist); err != nil {
		hist.close()
		return nil, err
	}
	store, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(cfg.DataDir, "raft.db")})
	if err != nil {
		hist.close()
		return nil, fmt.Errorf("open raft store in %s: %w", cfg.DataDir, err)
	}
	n := &Node{cfg: cfg, fsm: f, store: store, caughtUp: make(chan struct{})}
	if err := n.openRaft(); err != nil {
		store.Close()
		hist.close()
		return nil, err
	}
	n.peers = newPeerClient(n)
	n.loops = newLeaderLoops(n)
	n.prop = newProposer(n.raft, cfg.WriteBatchMax)
	n.OnLeadership("cluster.records", n.ensureClusterRecords)
	return n, nil
}

func (n *Node) openRaft() error {
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: os.Stderr})
	snaps, err := raft.NewFileSnapshotStoreWithLogger(n.cfg.DataDir, n.cfg.SnapshotsRetained, hlog)
	if err != nil {
		return fmt.Errorf("open snapshot store: %w", err)
	}
	advertise, err := net.ResolveTCPAddr("tcp", n.cfg.RaftAddr)
	if err != nil {
		return fmt.Errorf("raft address %q: %w", n.cfg.RaftAddr, err)
	}
	trans, err := raft.NewTCPTransportWithLogger(n.cfg.RaftAddr, advertise, 5, 10*time.Second, hlog)
	if err != nil {
		return fmt.Errorf("listen for raft on %s: %w", n.cfg.RaftAddr, err)
	}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(n.cfg.NodeID)
	rc.Logger = hlog
	rc.HeartbeatTimeout = n.cfg.HeartbeatTimeout
	rc.ElectionTimeout = n.cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = n.cfg.LeaderLeaseTimeout
	rc.CommitTimeout = n.cfg.CommitTimeout
	rc.MaxAppendEntries = n.cfg.MaxAppendEntries
	rc.BatchApplyCh = true
	rc.SnapshotThreshold = n.cfg.SnapshotEntries
	rc.SnapshotInterval = n.cfg.SnapshotCheckInterval
	rc.TrailingLogs = n.cfg.TrailingLogs
	logs, err := raft.NewLogCache(512, n.store)
	if err != nil {
		trans.Close()
		return fmt.Errorf("log cache: %w", err)
	}
	r, err := raft.NewRaft(rc, n.fsm, logs, n.store, snaps, trans)
	if err != nil {
		trans.Close()
		return fmt.Errorf("start raft: %w", err)
	}
	n.raft, n.trans = r, trans
	return nil
}

// HasState reports whether this node already belongs to a cluster (it has
// a raft log, snapshot or term on disk).
func (n *Node) HasState() bool {
	return n.raft.LastIndex() > 0
}

// Start begins the leadership watch and, when bootstrap is true and the
// node has no state yet, creates a new single-node cluster.
func (n *Node) Start(ctx context.Context, bootstrap bool) error {
	if bootstrap && !n.HasState() {
		cfg := raft.Configuration{Servers: []raft.Server{{
			ID: raft.ServerID(n.cfg.NodeID), Address: n.trans.LocalAddr(), Suffrage: raft.Voter,
		}}}
		if err := n.raft.BootstrapCluster(cfg).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			return fmt.Errorf("bootstrap cluster: %w", err)
		}
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	n.stop = cancel
	n.wg.Add(4)
	go func() { defer n.wg.Done(); n.catchUp(loopCtx) }()
	go func() { defer n.wg.Done(); n.loops.watch(loopCtx) }()
	go func() { defer n.wg.Done(); n.prop.run(loopCtx) }()
	go func() { defer n.wg.Done(); n.snapshotLoop(loopCtx) }()
	return nil
}

// Shutdown stops leader loops and raft and closes the stores. A leader
// does not hand off explicitly; followers elect a new one.
func (n *Node) Shutdown() error {
	n.closeMu.Lock()
	if n.closed {
		n.closeMu.Unlock()
		return nil
	}
	n.closed = true
	n.closeMu.Unlock()
	if n.stop != nil {
		n.stop()
	}
	err := n.raft.Shutdown().Error()
	n.wg.Wait()
	n.peers.close()
	return errors.Join(err, n.trans.Close(), n.store.Close(), n.fsm.history.close())
}

// ID returns this node's server ID.
func (n *Node) ID() string { return n.cfg.NodeID }

// IsLeader reports whether this node currently leads.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// State is "Leader", "Follower", "Candidate" or "Shutdown".
func (n *Node) State() string { return n.raft.State().String() }

// Leader returns the current leader's ID and API address, empty if unknown.
func (n *Node) Leader() (id, apiAddr string) {
	_, lid := n.raft.LeaderWithID()
	if lid == "" {
		return "", ""
	}
	m, err := readMember(n.Read(), string(lid))
	if err != nil {
		n.cfg.Logger.Error("read leader member", "err", err)
	}
	if m != nil {
		return m.ID, m.APIAddr
	}
	return string(lid), ""
}

// AppliedIndex is the last log index applied to the local state.
func (n *Node) AppliedIndex() uint64 { return n.fsm.applied.Load() }

// Read returns a read transaction on the local replica: fast, and possibly
// behind the leader (a "stale" read).
func (n *Node) Read() *Reader { return n.fsm.read() }

// Replaced returns a channel closed the next time a snapshot install
// replaces the local store. The watch channels of a replaced store never
// fire (memdb cannot abandon them), so a long-lived watcher takes this
// channel before its Read and selects on it beside its watches.
func (n *Node) Replaced() <-chan struct{} { return n.fsm.replacedCh() }

// ConsistentRead returns a read transaction that reflects every write
// acknowledged before the call: it learns the leader's commit index (after
// the leader confirmed it still leads) and waits until applied locally.
func (n *Node) ConsistentRead(ctx context.Context) (*Reader, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ApplyTimeout)
	defer cancel()
	idx, err := n.readIndex(ctx)
	if err != nil {
		return nil, err
	}
	if err := n.waitApplied(ctx, idx); err != nil {
		return nil, err
	}
	return n.Read(), nil
}

// WaitForIndex blocks until the local replica applied idx.
func (n *Node) WaitForIndex(ctx context.Context, idx uint64) error {
	return n.waitApplied(ctx, idx)
}

func (n *Node) readIndex(ctx context.Context) (uint64, error) {
	for {
		var idx uint64
		var err error
		if n.IsLeader() {
			idx, err = n.leaderReadIndex()
		} else {
			idx, err = n.peers.readIndex(ctx)
		}
		if err == nil || !retryable(err) {
			return idx, err
		}
		if werr := n.waitBeforeRetry(ctx); werr != nil {
			return 0, werr
		}
	}
}

func (n *Node) leaderReadIndex() (uint64, error) {
	if !n.loops.ready() {
		// A new leader may not know the commit index of the previous
		// term until its barrier commits.
		if err := n.raft.Barrier(n.cfg.ApplyTimeout).Error(); err != nil {
			return 0, err
		}
	}
	idx := n.raft.CommitIndex()
	if err := n.raft.VerifyLeader().Error(); err != nil {
		return 0, err
	}
	return idx, nil
}

// Apply replicates cmd and decodes the handler's result into out (which
// may be nil). On a follower the command is forwarded to the leader and
// the call returns once the local replica applied it too, so a read on
// this node right after sees the write. Writes are held during an election
// up to the apply timeout and retried safely (see dedupe.go).
func (n *Node) Apply(ctx context.Context, cmd Command, out any) (uint64, error) {
	if err := n.fsm.knows(cmd); err != nil && !cmd.Ignorable {
		// In the log it would stop every node that applies it.
		return 0, fmt.Errorf("refuse to propose: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ApplyTimeout)
	defer cancel()
	data, err := encodeCommand(cmd)
	if err != nil {
		return 0, err
	}
	if err := n.StorageError(); err != nil {
		return 0, err
	}
	for {
		res, forwarded, err := n.applyOnce(ctx, data)
		if err == nil {
			return n.finishApply(ctx, res, forwarded, out)
		}
		if full, ok := noSpace(err); ok {
			return 0, full
		}
		if ctx.Err() != nil {
			// Out of time before a quorum committed it: the outcome is
			// not known here, which callers hear as "no leader".
			return 0, fmt.Errorf("%w (gave up waiting: %v)", ErrNoLeader, err)
		}
		if !retryable(err) {
			return 0, err
		}
		if werr := n.waitBeforeRetry(ctx); werr != nil {
			return 0, werr
		}
	}
}

func (n *Node) applyOnce(ctx context.Context, data []byte) (*applyResult, bool, error) {
	if n.IsLeader() {
		res, err := n.prop.propose(ctx, data)
		return res, false, err
	}
	res, err := n.peers.apply(ctx, data)
	return res, true, err
}

func (n *Node) finishApply(ctx context.Context, res *applyResult, forwarded bool, out any) (uint64, error) {
	if res.Err != nil {
		return res.Index, res.Err
	}
	if res.Rejection != nil {
		return res.Index, res.Rejection
	}
	if out != nil && len(res.Result) > 0 {
		if err := json.Unmarshal(res.Result, out); err != nil {
			return res.Index, fmt.Errorf("decode apply result: %w", err)
		}
	}
	if forwarded {
		wctx, cancel := context.WithTimeout(ctx, n.cfg.ReadYourWritesTimeout)
		defer cancel()
		_ = n.fsm.waitApplied(wctx, res.Index) // best effort: the write is committed either way
	}
	return res.Index, nil
}

// waitBeforeRetry pauses briefly while a leader is elected, or returns
// ErrNoLeader once the caller's deadline passed.
func (n *Node) waitBeforeRetry(ctx context.Context) error {
	t := time.NewTimer(25 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w (gave up after waiting: %v)", ErrNoLeader, ctx.Err())
	case <-t.C:
		return nil
	}
}

// retryable reports whether err means "no usable leader right now", as
// opposed to a refusal or an internal failure.
func retryable(err error) bool {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress), errors.Is(err, raft.ErrEnqueueTimeout),
		errors.Is(err, errLeaderUnknown), errors.Is(err, errPeerUnreachable):
		return true
	}
	return false
}

func (n *Node) snapshotLoop(ctx context.Context) {
	t := time.NewTicker(n.cfg.SnapshotCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n.fsm.bytesSinceSnapshot.Load() < n.cfg.SnapshotBytes {
				continue
			}
			if err := n.raft.Snapshot().Error(); err != nil && !errors.Is(err, raft.ErrNothingNewToSnapshot) {
				n.cfg.Logger.Warn("snapshot by size failed", "err", err)
			}
		}
	}
}

// Snapshot forces a snapshot now (used by operators and tests).
func (n *Node) Snapshot() error {
	err := n.raft.Snapshot().Error()
	if errors.Is(err, raft.ErrNothingNewToSnapshot) {
		return nil
	}
	return err
}

// Stats returns raft's counters (indexes, term, state, last contact),
// for operators and tests.
func (n *Node) Stats() map[string]string {
	stats := n.raft.Stats()
	stats["fsm_applied_index"] = fmt.Sprint(n.AppliedIndex())
	stats["caught_up"] = fmt.Sprint(n.CaughtUp())
	stats["caught_up_index"] = fmt.Sprint(n.caughtUpIndex.Load())
	return stats
}

// awaitFuture waits for f unless ctx ends first. raft never resolves a
// future still queued in its apply channel when it shuts down (the futures
// of Apply carry no shutdown channel), so waiting on f.Error() alone can
// hang a leader loop, and with it Shutdown, forever. In that case the
// waiting goroutine is left behind; it can only happen at shutdown.
func awaitFuture(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("wait for raft: %w", ctx.Err())
	}
}
