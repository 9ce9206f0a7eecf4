package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type engHealth struct {
	NodeID string `json:"nodeId"`
	Leader string `json:"leader"`
}

// A leader change in a 3-node cluster with 20 connected agents marks none
// of them NOT_AVAILABLE: followers forward heartbeats to the leader, and a
// new leader re-arms every timer to a full timeout.
func TestLeaderChangeMarksNoHealthyEngineDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 3 nodes and 20 agents")
	}
	const interval, timeout = "1s", "3s"
	first := engStartNode(t, interval, timeout, "")
	nodes := []*engCluster{first, engStartNode(t, interval, timeout, first.http), engStartNode(t, interval, timeout, first.http)}
	var quics []string
	for _, n := range nodes {
		quics = append(quics, n.quic)
	}
	engEventually(t, 20*time.Second, "3 voting members", func() bool {
		var members []map[string]any
		return first.call("GET", "/cluster/members", nil, &members) == http.StatusOK && len(members) == 3
	})
	var lead engHealth
	first.call("GET", "/health", nil, &lead)
	leaderQUIC := ""
	for _, n := range nodes {
		var h engHealth
		n.call("GET", "/health", nil, &h)
		if h.NodeID == lead.Leader {
			leaderQUIC = n.quic
		}
	}
	var ids []string
	agents := map[string]*engProc{}
	dirs := map[string]string{}
	for i := range 20 {
		e := first.createEngine(fmt.Sprintf("ha-%02d", i), 0)
		dir := filepath.Join(t.TempDir(), e.ID)
		// Rotate the server list so sessions spread over the three nodes;
		// every other agent knows only the leader and must learn the
		// others from its Welcome to survive the leader's death.
		servers := append(append([]string{}, quics[i%3:]...), quics[:i%3]...)
		if i%2 == 0 && leaderQUIC != "" {
			servers = []string{leaderQUIC}
		}
		if code, out := first.pairWith(strings.Join(servers, ","), dir, e.PreAuthorizedKey); code != 0 {
			t.Fatalf("pair %d: exit %d: %s", i, code, out)
		}
		agents[e.ID], dirs[e.ID] = first.run(dir), dir
		ids = append(ids, e.ID)
	}
	allAvailable := func(via *engCluster) (bool, string) {
		for _, id := range ids {
			if a := via.engine(id).Availability; a != "AVAILABLE" {
				return false, id + " is " + a
			}
		}
		return true, ""
	}
	// Every replica must show them AVAILABLE before the kill: a write the
	// dying leader committed may otherwise reach a follower only after the
	// new leader's first commit, which would read as a flap here.
	for _, n := range nodes {
		engEventually(t, 10*time.Second, "20 engines AVAILABLE on every node", func() bool { ok, _ := allAvailable(n); return ok })
	}

	var leader engHealth
	first.call("GET", "/health", nil, &leader)
	var survivor *engCluster
	for _, n := range nodes {
		var h engHealth
		n.call("GET", "/health", nil, &h)
		if h.NodeID == leader.Leader {
			t.Logf("killing leader %s", h.NodeID)
			n.proc.kill9()
		} else {
			survivor = n
		}
	}
	// Watch for two full timeouts: no engine may be seen NOT_AVAILABLE.
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		var list []engView
		if survivor.call("GET", "/processing/runtimes/remote-engines", nil, &list) == http.StatusOK {
			for _, e := range list {
				if e.Availability != "AVAILABLE" {
					t.Fatalf("engine %s became %s across the leader change", e.ID, e.Availability)
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ok, why := allAvailable(survivor); !ok {
		t.Fatalf("after the leader change: %s", why)
	}

	// Deleting an engine through one node closes its session on another.
	for _, id := range ids {
		server := engSessionServer(t, dirs[id])
		if server == "" || server == survivor.quic {
			continue
		}
		if code := survivor.call("DELETE", "/processing/runtimes/remote-engines/"+id, nil, nil); code != http.StatusNoContent {
			t.Fatalf("delete: status %d", code)
		}
		if code := agents[id].exitCode(3 * time.Second); code != 3 {
			t.Fatalf("agent connected to %s, engine deleted through %s: exit %d, want 3", server, survivor.quic, code)
		}
		return
	}
	t.Fatal("no agent was connected to a node other than the survivor")
}

// engSessionServer reads which node an agent's session is on.
func engSessionServer(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "status.json"))
	if err != nil {
		return ""
	}
	var st struct {
		Server    string `json:"server"`
		Connected bool   `json:"connected"`
	}
	if json.Unmarshal(b, &st) != nil || !st.Connected {
		return ""
	}
	return st.Server
}
