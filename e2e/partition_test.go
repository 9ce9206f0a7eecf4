package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

// TestControlPlanePartitions runs three nodes on three network hosts and
// cuts the leader away from the other two: the minority refuses writes
// with a clear error but still serves stale reads, the majority elects a
// new leader and takes writes, and after healing everyone converges.
func TestControlPlanePartitions(t *testing.T) {
	if ok, why := harness.CanPartition(); !ok {
		t.Skip("namespace partition test skipped: " + why)
	}
	net := harness.NewNet(t, 3)
	base := t.TempDir()
	args := []string{"--write-timeout", "2s"}
	nodes := []*harness.Node{harness.StartNode(t, bins, "p1", filepath.Join(base, "p1"),
		harness.NodeOptions{Token: testToken, Net: net, Host: 1, Args: args})}
	nodes[0].WaitLeader(t, 15*time.Second)
	for i := 2; i <= 3; i++ {
		id := fmt.Sprintf("p%d", i)
		nodes = append(nodes, harness.StartNode(t, bins, id, filepath.Join(base, id),
			harness.NodeOptions{Join: nodes[0].HTTPAddr, Token: testToken, Net: net, Host: i, Args: args}))
	}
	for _, n := range nodes {
		n.WaitReady(t, testToken, 20*time.Second)
	}
	client := func(n *harness.Node) *harness.Client { return harness.NewClient(n.HTTPAddr, testToken) }
	if err := client(nodes[1]).JSON("POST", "/orchestration/environments", map[string]string{"name": "before"}, nil); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, "replicated to all", 10*time.Second, func() bool {
		for _, n := range nodes {
			if names, err := tryEnvironmentNames(n); err != nil || !names["before"] {
				return false
			}
		}
		return true
	})

	// Cut the leader (the minority side) away from the two others.
	leader, majority := leaderOf(t, nodes)
	li := hostOf(nodes, leader)
	net.Cut(li, hostOf(nodes, majority[0]), hostOf(nodes, majority[1]))

	status, body, err := client(leader).Do("POST", "/orchestration/environments", map[string]string{"name": "minority-write"})
	if err != nil || status != 503 {
		t.Fatalf("write on the minority: %d %s %v, want 503 NO_LEADER", status, body, err)
	}
	t.Logf("minority write refused: %s", body)
	// Stale reads still served by the minority.
	var stale []struct{ Name string }
	if err := client(leader).JSON("GET", "/orchestration/environments", nil, &stale); err != nil || len(stale) < 2 {
		t.Fatalf("stale read on the minority: %v %+v", err, stale)
	}
	// The majority elects a leader and takes writes.
	harness.WaitFor(t, "majority takes writes", 15*time.Second, func() bool {
		return client(majority[0]).JSON("POST", "/orchestration/environments", map[string]string{"name": "majority-write"}, nil) == nil
	})

	net.Heal(li)
	harness.WaitFor(t, "healed node converges", 20*time.Second, func() bool {
		names, err := tryEnvironmentNames(leader)
		return err == nil && names["majority-write"] && !names["minority-write"]
	})
	for _, n := range majority {
		names := environmentNames(t, n)
		if names["minority-write"] {
			t.Fatalf("the refused minority write appeared on %s", n.ID)
		}
	}
}

func hostOf(nodes []*harness.Node, n *harness.Node) int {
	for i, m := range nodes {
		if m == n {
			return i + 1
		}
	}
	return 0
}
