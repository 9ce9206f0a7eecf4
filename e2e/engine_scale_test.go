package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/bench/enginesim"
)

// Issue 9's scale test in small: 200 simulated engines (real QUIC sessions
// speaking the agent protocol) spread over a 3-node cluster; killing the
// leader with -9 marks none of them NOT_AVAILABLE, and every engine of the
// killed node gets a session on a survivor. bench/enginescale runs the
// same at 10,000 and 50,000 engines and measures it.
func TestEngineScaleLeaderKillMarksNoEngineDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 3 nodes and 200 simulated engines")
	}
	const engines = 200
	const interval, timeout = time.Second, 3 * time.Second
	first := engStartNode(t, interval.String(), timeout.String(), "")
	nodes := []*engCluster{first, engStartNode(t, interval.String(), timeout.String(), first.http),
		engStartNode(t, interval.String(), timeout.String(), first.http)}
	engEventually(t, 20*time.Second, "3 voting members", func() bool {
		var members []map[string]any
		return first.call("GET", "/cluster/members", nil, &members) == http.StatusOK && len(members) == 3
	})
	var addrs []string
	for _, n := range nodes {
		addrs = append(addrs, n.quic)
	}
	sim, err := enginesim.New(addrs, 2, interval)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for i := range engines {
		e := first.createEngine(fmt.Sprintf("sim-%03d", i), 0)
		se, err := sim.Pair(ctx, i%3, e.PreAuthorizedKey)
		if err != nil {
			t.Fatalf("pair engine %d via node %d: %v", i, i%3, err)
		}
		wg.Go(func() { sim.Run(ctx, se) })
	}
	engEventually(t, 30*time.Second, "every engine has a session", func() bool { return sim.Connected() == engines })
	for _, n := range nodes { // every replica, so no late write reads as a flap
		engEventually(t, 15*time.Second, "every engine AVAILABLE on "+n.http, func() bool { return countAvailability(n, "AVAILABLE") == engines })
	}

	var lead engHealth
	first.call("GET", "/health", nil, &lead)
	killed, survivors := -1, []*engCluster{}
	for i, n := range nodes {
		var h engHealth
		n.call("GET", "/health", nil, &h)
		if h.NodeID == lead.Leader {
			killed = i
			n.proc.kill9()
		} else {
			survivors = append(survivors, n)
		}
	}
	if killed < 0 {
		t.Fatal("no leader found")
	}
	onKilled := sim.ConnectedTo(killed)
	// Two full timeouts: a false alarm would show by then.
	deadline := time.Now().Add(2 * timeout)
	for time.Now().Before(deadline) {
		for _, s := range survivors {
			if n := countAvailability(s, "NOT_AVAILABLE"); n > 0 {
				t.Fatalf("%d engines marked NOT_AVAILABLE across the leader kill", n)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	engEventually(t, 10*time.Second, fmt.Sprintf("the %d engines of the killed node on survivors", onKilled), func() bool {
		return sim.ConnectedTo(killed) == 0 && sim.Connected() == engines
	})
	if n := countAvailability(survivors[0], "AVAILABLE"); n != engines {
		t.Fatalf("%d of %d engines AVAILABLE after the leader kill", n, engines)
	}
}

// countAvailability counts the engines with availability a in n's replica
// (-1 when the node does not answer).
func countAvailability(n *engCluster, a string) int {
	var list []engView
	if n.call("GET", "/processing/runtimes/remote-engines?availability="+a, nil, &list) != http.StatusOK {
		return -1
	}
	return len(list)
}
