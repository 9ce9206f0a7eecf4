package harness

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// StartCluster starts size `roundhouse server` processes on loopback: the
// first bootstraps with token, the others join it, each with args. It
// returns once every node serves authenticated calls and every node (not
// only the first) lists every member: raft refuses the (pre-)vote of a
// node missing from the voter's own configuration, so a leader killed
// before a follower learnt of the newest member could leave no electable
// node.
func StartCluster(t testing.TB, bins Binaries, size int, token string, args []string) []*Node {
	t.Helper()
	base := t.TempDir()
	first := StartNode(t, bins, "n1", filepath.Join(base, "n1"), NodeOptions{Token: token, Args: args})
	first.WaitLeader(t, 15*time.Second)
	nodes := []*Node{first}
	for i := 2; i <= size; i++ {
		id := fmt.Sprintf("n%d", i)
		nodes = append(nodes, StartNode(t, bins, id, filepath.Join(base, id), NodeOptions{Join: first.HTTPAddr, Token: token, Args: args}))
	}
	for _, n := range nodes {
		n.WaitReady(t, token, 15*time.Second)
	}
	for _, n := range nodes {
		c := NewClient(n.HTTPAddr, token)
		WaitFor(t, "all members known to "+n.ID, 20*time.Second, func() bool {
			var members []map[string]any
			return c.JSON("GET", "/cluster/members", nil, &members) == nil && len(members) == size
		})
	}
	return nodes
}

// LeaderOf returns the node the first node names leader, and the others.
func LeaderOf(t testing.TB, nodes []*Node) (*Node, []*Node) {
	t.Helper()
	h := nodes[0].WaitLeader(t, 10*time.Second)
	var leader *Node
	var others []*Node
	for _, n := range nodes {
		if n.ID == h.Leader {
			leader = n
		} else {
			others = append(others, n)
		}
	}
	if leader == nil {
		t.Fatalf("leader %q is not one of the nodes", h.Leader)
	}
	return leader, others
}
