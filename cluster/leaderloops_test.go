package cluster

import (
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A leader loop runs on the leader only, stops when leadership is lost and
// starts on the new leader.
func TestLeaderLoopFollowsLeadership(t *testing.T) {
	var running sync.Map // node ID -> *atomic.Bool
	var maxConcurrent, current atomic.Int32
	loopFor := func(id string) LeaderLoop {
		flag := &atomic.Bool{}
		running.Store(id, flag)
		return func(ctx context.Context) {
			flag.Store(true)
			if n := current.Add(1); n > maxConcurrent.Load() {
				maxConcurrent.Store(n)
			}
			<-ctx.Done()
			current.Add(-1)
			flag.Store(false)
		}
	}
	isRunning := func(id string) bool {
		v, ok := running.Load(id)
		return ok && v.(*atomic.Bool).Load()
	}
	base := t.TempDir()
	var nodes []*testNode
	for i, id := range []string{"n1", "n2", "n3"} {
		n := openNode(t, id, filepath.Join(base, id), freeAddr(t))
		n.OnLeadership("probe", loopFor(id))
		if err := n.Start(context.Background(), i == 0); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
		if i == 0 {
			waitFor(t, "n1 leads", 5*time.Second, n.IsLeader)
		} else if err := nodes[0].AddMember(context.Background(), Member{ID: id, RaftAddr: n.raftAddr, APIAddr: n.ln.Addr().String()}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "loop on n1", 5*time.Second, func() bool { return isRunning("n1") })
	if isRunning("n2") || isRunning("n3") {
		t.Fatal("loop runs on a follower")
	}
	nodes[0].stop()
	waitFor(t, "loop stopped on old leader", 5*time.Second, func() bool { return !isRunning("n1") })
	waitFor(t, "loop on the new leader", 5*time.Second, func() bool { return isRunning("n2") || isRunning("n3") })
	if isRunning("n2") && isRunning("n3") {
		t.Fatal("loop runs on two nodes")
	}
}

func TestSnapshotBySize(t *testing.T) {
	n := openNode(t, "solo", t.TempDir(), freeAddr(t), func(c *Config) {
		c.SnapshotBytes = 4 << 10 // far below the entry threshold
		c.SnapshotEntries = 1 << 20
	})
	if err := n.Start(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "leader", 5*time.Second, n.IsLeader)
	for i := 0; i < 40; i++ { // ~40 entries of ~200 bytes
		if err := put(context.Background(), n.Node, "key-"+strconv.Itoa(i), string(make([]byte, 100))+"v"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "snapshot taken by size", 10*time.Second, func() bool {
		idx, _ := strconv.Atoi(n.Stats()["last_snapshot_index"])
		return idx > 0
	})
}
