package cluster

import (
	"context"
	"time"
)

// A restarted node holds only its last snapshot in memory: raft replays the
// rest of its log once a leader tells it the commit index, and until then
// the replica may lack writes that were acknowledged long ago (an engine, a
// token, an environment). A node has caught up once it has applied at least
// the commit index the leader had when this node (re)started; before that,
// nothing that reads the replica may answer as if it knew.

// catchUp follows the node from start until it has caught up, once.
func (n *Node) catchUp(ctx context.Context) {
	for {
		idx, err := n.catchUpOnce(ctx)
		if err == nil {
			n.caughtUpIndex.Store(idx)
			close(n.caughtUp)
			n.cfg.Logger.Info("caught up with the cluster: serving", "node", n.ID(), "index", idx)
			return
		}
		if ctx.Err() != nil {
			return
		}
		n.cfg.Logger.Warn("not caught up with the cluster yet: reads, readiness and engine checks wait",
			"node", n.ID(), "applied", n.AppliedIndex(), "err", err)
		if !sleepCtx(ctx, 250*time.Millisecond) {
			return
		}
	}
}

// catchUpOnce learns the leader's commit index and waits until the local
// replica applied it, within the apply timeout.
func (n *Node) catchUpOnce(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ApplyTimeout)
	defer cancel()
	idx, err := n.leaderCommitIndex(ctx)
	if err != nil {
		return 0, err
	}
	return idx, n.waitApplied(ctx, idx)
}

// leaderCommitIndex is the commit index of the current leader. A leader
// answers for itself once its barrier passed (everything of earlier terms
// is then applied here); it never waits on a raft future itself, which
// raft may leave unresolved at shutdown.
func (n *Node) leaderCommitIndex(ctx context.Context) (uint64, error) {
	for {
		if n.IsLeader() {
			if n.loops.ready() {
				return n.raft.CommitIndex(), nil
			}
		} else {
			idx, err := n.peers.readIndex(ctx)
			if err == nil || !retryable(err) {
				return idx, err
			}
		}
		if err := n.waitBeforeRetry(ctx); err != nil {
			return 0, err
		}
	}
}

// CaughtUp reports whether this node has applied the commit index the
// leader had when it started (see catchUp). It stays true afterwards: from
// then on a default read is as fresh as replication makes it.
func (n *Node) CaughtUp() bool {
	select {
	case <-n.caughtUp:
		return true
	default:
		return false
	}
}

// CaughtUpCh is closed once CaughtUp is true.
func (n *Node) CaughtUpCh() <-chan struct{} { return n.caughtUp }

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
