package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// The tests run real raft servers over TCP on loopback, with real
// boltdb stores and HTTP peer endpoints, in one process.

type kv struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

func kvSpec() Spec {
	return Spec{
		Tables: []Table{{
			Schema: &memdb.TableSchema{Name: "kv", Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
			}},
			New: func() any { return new(kv) },
		}},
		Handlers: map[string]Handler{
			"kv.create": func(tx *Tx, cmd Command) (any, error) {
				var in kv
				if err := cmd.Decode(&in); err != nil {
					return nil, err
				}
				if in.Value == "" {
					return nil, Reject(CodeInvalid, "value is required")
				}
				if existing, _ := tx.First("kv", "id", in.ID); existing != nil {
					return nil, Reject(CodeConflict, "key %q exists", in.ID)
				}
				return in, tx.Insert("kv", &in)
			},
		},
	}
}

type testNode struct {
	*Node
	dir, raftAddr string
	srv           *http.Server
	ln            net.Listener
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startNode(t *testing.T, id, dir, raftAddr string, bootstrap bool) *testNode {
	t.Helper()
	tn := openNode(t, id, dir, raftAddr)
	if err := tn.Start(context.Background(), bootstrap); err != nil {
		t.Fatal(err)
	}
	return tn
}

// openNode opens a node and serves its peer endpoints, without starting it.
func openNode(t *testing.T, id, dir, raftAddr string, mutate ...func(*Config)) *testNode {
	t.Helper()
	return openNodeWith(t, kvSpec(), id, dir, raftAddr, mutate...)
}

func openNodeWith(t *testing.T, spec Spec, id, dir, raftAddr string, mutate ...func(*Config)) *testNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		DataDir: dir, NodeID: id, RaftAddr: raftAddr, APIAddr: ln.Addr().String(),
		HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond,
		SnapshotCheckInterval: 100 * time.Millisecond, ApplyTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	n, err := Open(cfg, spec)
	if err != nil {
		t.Fatalf("open %s: %v", id, err)
	}
	mux := http.NewServeMux()
	mux.Handle(PeerPathPrefix, n.PeerHandler())
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	tn := &testNode{Node: n, dir: dir, raftAddr: raftAddr, srv: srv, ln: ln}
	t.Cleanup(func() { tn.stop() })
	return tn
}

func (tn *testNode) stop() {
	tn.srv.Close()
	tn.Node.Shutdown()
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func put(ctx context.Context, n *Node, id, value string) error {
	cmd, err := NewCommand("kv.create", Meta{}, kv{ID: id, Value: value})
	if err != nil {
		return err
	}
	var out kv
	if _, err := n.Apply(ctx, cmd, &out); err != nil {
		return err
	}
	if out.ID != id {
		return fmt.Errorf("result %+v, want id %s", out, id)
	}
	return nil
}

func get(n *Node, id string) *kv {
	raw, _ := n.Read().First("kv", "id", id)
	if raw == nil {
		return nil
	}
	return raw.(*kv)
}

// threeNodes starts a bootstrapped leader and joins two followers to it.
func threeNodes(t *testing.T) []*testNode {
	t.Helper()
	base := t.TempDir()
	nodes := []*testNode{startNode(t, "n1", filepath.Join(base, "n1"), freeAddr(t), true)}
	waitFor(t, "n1 leader", 5*time.Second, nodes[0].IsLeader)
	for _, id := range []string{"n2", "n3"} {
		n := startNode(t, id, filepath.Join(base, id), freeAddr(t), false)
		if err := nodes[0].AddMember(context.Background(), Member{ID: id, RaftAddr: n.raftAddr, APIAddr: n.ln.Addr().String()}); err != nil {
			t.Fatalf("join %s: %v", id, err)
		}
		nodes = append(nodes, n)
	}
	waitFor(t, "followers caught up", 5*time.Second, func() bool {
		return nodes[1].AppliedIndex() >= nodes[0].AppliedIndex() && nodes[2].AppliedIndex() >= nodes[0].AppliedIndex()
	})
	return nodes
}

func TestWritesThroughAnyNodeAndRejections(t *testing.T) {
	nodes := threeNodes(t)
	ctx := context.Background()
	for i, n := range nodes {
		if err := put(ctx, n.Node, fmt.Sprintf("k%d", i), "v"); err != nil {
			t.Fatalf("write through %s: %v", n.ID(), err)
		}
		// Read-your-writes on the node that took the write.
		if get(n.Node, fmt.Sprintf("k%d", i)) == nil {
			t.Fatalf("%s does not see its own write", n.ID())
		}
	}
	tests := []struct {
		name, id, value, code string
	}{
		{"duplicate through follower", "k0", "v", CodeConflict},
		{"invalid through follower", "new", "", CodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := put(ctx, nodes[2].Node, tc.id, tc.value)
			rej, ok := AsRejection(err)
			if !ok || rej.Code != tc.code {
				t.Fatalf("got %v, want rejection %s", err, tc.code)
			}
		})
	}
	members, err := nodes[1].Members()
	if err != nil || len(members) != 3 {
		t.Fatalf("members = %+v, %v", members, err)
	}
	for _, m := range members {
		if m.APIAddr == "" {
			t.Errorf("member %s has no API address", m.ID)
		}
	}
}

func TestConsistentReadOnFollower(t *testing.T) {
	nodes := threeNodes(t)
	ctx := context.Background()
	if err := put(ctx, nodes[0].Node, "fresh", "v"); err != nil {
		t.Fatal(err)
	}
	txn, err := nodes[2].ConsistentRead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := txn.First("kv", "id", "fresh"); raw == nil {
		t.Fatal("consistent read on follower misses an acknowledged write")
	}
}

func TestLeaderLossKeepsAcknowledgedWrites(t *testing.T) {
	nodes := threeNodes(t)
	ctx := context.Background()
	var (
		mu    sync.Mutex
		acked []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Writers on the two followers keep writing across the leader's loss.
	for _, n := range nodes[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("%s-%d", n.ID(), i)
				if err := put(ctx, n.Node, id, "v"); err == nil {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		}()
	}
	waitFor(t, "some writes", 5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) > 20 })
	killed := time.Now()
	nodes[0].stop()
	waitFor(t, "new leader", 5*time.Second, func() bool { return nodes[1].IsLeader() || nodes[2].IsLeader() })
	t.Logf("new leader after %s", time.Since(killed))
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	waitFor(t, "writes accepted after failover", 5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) > before+20 })
	close(stop)
	wg.Wait()
	for _, n := range nodes[1:] {
		waitFor(t, "replication", 5*time.Second, func() bool {
			return n.AppliedIndex() >= nodes[1].AppliedIndex() && n.AppliedIndex() >= nodes[2].AppliedIndex()
		})
		for _, id := range acked {
			if get(n.Node, id) == nil {
				t.Fatalf("acknowledged write %s missing on %s", id, n.ID())
			}
		}
	}
}

func TestRestartRestoresStateFromSnapshotAndLog(t *testing.T) {
	dir := t.TempDir()
	raftAddr := freeAddr(t)
	n := startNode(t, "solo", dir, raftAddr, true)
	waitFor(t, "leader", 5*time.Second, n.IsLeader)
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		if err := put(ctx, n.Node, fmt.Sprintf("a%d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Snapshot(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ { // these live only in the log after the snapshot
		if err := put(ctx, n.Node, fmt.Sprintf("b%d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	n.stop()
	again := startNode(t, "solo", dir, raftAddr, true)
	waitFor(t, "leader after restart", 5*time.Second, again.IsLeader)
	waitFor(t, "state replayed", 5*time.Second, func() bool { return get(again.Node, "b9") != nil })
	for i := 0; i < 50; i++ {
		if get(again.Node, fmt.Sprintf("a%d", i)) == nil {
			t.Fatalf("a%d lost across restart", i)
		}
	}
}

func TestRetriedCommandAppliesOnce(t *testing.T) {
	n := startNode(t, "solo", t.TempDir(), freeAddr(t), true)
	waitFor(t, "leader", 5*time.Second, n.IsLeader)
	cmd, _ := NewCommand("kv.create", Meta{}, kv{ID: "once", Value: "v"})
	ctx := context.Background()
	for i := 0; i < 3; i++ { // same ID: a client retry after a lost answer
		if _, err := n.Apply(ctx, cmd, nil); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	fresh, _ := NewCommand("kv.create", Meta{}, kv{ID: "once", Value: "v"})
	if _, err := n.Apply(ctx, fresh, nil); err == nil {
		t.Fatal("a new command creating the same key must be rejected")
	}
}

func TestMinorityRefusesWrites(t *testing.T) {
	nodes := threeNodes(t)
	nodes[1].stop()
	nodes[2].stop()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	err := put(ctx, nodes[0].Node, "lonely", "v")
	if !errors.Is(err, ErrNoLeader) {
		t.Fatalf("write on a minority: %v, want ErrNoLeader", err)
	}
	if get(nodes[0].Node, "k-missing") != nil {
		t.Fatal("unexpected row")
	}
}

func TestRemoveMember(t *testing.T) {
	nodes := threeNodes(t)
	ctx := context.Background()
	if err := nodes[1].RemoveMember(ctx, "n3"); err != nil {
		t.Fatal(err)
	}
	members, _ := nodes[0].Members()
	if len(members) != 2 {
		t.Fatalf("members after removal: %+v", members)
	}
	if err := nodes[0].RemoveMember(ctx, "nope"); err == nil {
		t.Fatal("removing an unknown member must fail")
	}
}
