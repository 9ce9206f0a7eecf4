package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

// TestRestartedNodeServesNothingBeforeCatchingUp restarts one node alone
// after a whole-cluster stop: its snapshot holds the cluster CA but not the
// environment and engine created after it, and with no quorum it cannot
// replay the rest of its log. Held there, deterministically, it must not
// answer a default read (which would lack acknowledged writes), must not
// say it is ready, and must not tell a running agent its engine is deleted:
// it answers "retry later" and logs why. Once the others are back it
// serves every write and the agent is connected, never having exited.
func TestRestartedNodeServesNothingBeforeCatchingUp(t *testing.T) {
	base := t.TempDir()
	timing := []string{"--engine-heartbeat-interval", "1s", "--engine-heartbeat-timeout", "3s"}
	// r3 snapshots after every entry, so what it applied before it stops
	// is in its snapshot, and what came later only in other nodes' logs.
	eager := append([]string{"--raft-snapshot-entries", "1", "--raft-snapshot-interval", "100ms"}, timing...)
	nodes := startThree(t, base, timing, eager)
	c := harness.NewClient(nodes[0].HTTPAddr, testToken)
	envID := defaultEnvironment(t, c)
	// An engine exists only once the cluster CA does: this one puts the CA
	// before the point r3's snapshot must cover.
	createEngine(t, c, envID, "probe")
	waitSnapshotCovers(t, nodes[2])
	nodes[2].Kill()

	if err := c.JSON("POST", "/orchestration/environments", map[string]string{"name": "after-r3-stopped"}, nil); err != nil {
		t.Fatal(err)
	}
	engine := createEngine(t, c, envID, "late")
	servers := nodes[0].QUICAddr + "," + nodes[1].QUICAddr + "," + nodes[2].QUICAddr
	dir := filepath.Join(base, engine.ID)
	pair := harness.Start(t, "pair", bins.Engine, nil, "pair", "--server", servers, "--key", engine.PreAuthorizedKey, "--data-dir", dir)
	harness.WaitFor(t, "pairing", 30*time.Second, pair.Exited)
	if pair.ExitCode() != 0 {
		t.Fatalf("pair exited %d: %s", pair.ExitCode(), pair.Output())
	}
	agent := harness.Start(t, "engine", bins.Engine, nil, "run", "--data-dir", dir)
	harness.WaitFor(t, "engine available", 30*time.Second, func() bool { return availability(nodes[0], engine.ID) == "AVAILABLE" })

	nodes[0].Kill()
	nodes[1].Kill()
	nodes[2].Restart()
	r3 := harness.NewClient(nodes[2].HTTPAddr, testToken)
	// The agent tries every server in turn; r3 is the only one up.
	harness.WaitFor(t, "the agent to try the restarted r3", 90*time.Second, func() bool {
		return agent.Exited() || strings.Contains(nodes[2].Output(), engine.ID)
	})
	if agent.Exited() {
		t.Fatalf("the agent exited %d while r3 had not caught up: %s", agent.ExitCode(), tail(agent.Output()))
	}
	if !regexp.MustCompile(`engine session refused.*` + engine.ID + `.*catching up`).MatchString(nodes[2].Output()) {
		t.Errorf("r3 does not log why it refused the engine:\n%s", tail(nodes[2].Output()))
	}
	status, body, err := r3.Do("GET", "/orchestration/environments", nil)
	if err != nil || status != http.StatusServiceUnavailable {
		t.Errorf("default read on a node that has not caught up: %d %s %v, want 503", status, body, err)
	}
	if status, _, _ := r3.Do("GET", "/ready", nil); status != http.StatusServiceUnavailable {
		t.Errorf("/ready on a node that has not caught up: %d, want 503", status)
	}

	nodes[0].Restart()
	nodes[1].Restart()
	harness.WaitFor(t, "r3 ready", 60*time.Second, func() bool {
		status, _, _ := r3.Do("GET", "/ready", nil)
		return status == http.StatusOK
	})
	var list []struct{ Name string }
	if err := r3.JSON("GET", "/orchestration/environments", nil, &list); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(list), "after-r3-stopped") {
		t.Fatalf("r3's first default read after it answered ready lacks an acknowledged write: %v", list)
	}
	harness.WaitFor(t, "the engine available again", 60*time.Second, func() bool {
		return agent.Exited() || availability(nodes[2], engine.ID) == "AVAILABLE"
	})
	if agent.Exited() {
		t.Fatalf("the agent exited %d: %s", agent.ExitCode(), tail(agent.Output()))
	}
}

type createdEngine struct{ ID, PreAuthorizedKey string }

func createEngine(t *testing.T, c *harness.Client, envID, name string) createdEngine {
	t.Helper()
	var e createdEngine
	if err := c.JSON("POST", "/processing/runtimes/remote-engines", map[string]string{"name": name, "environmentId": envID}, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func defaultEnvironment(t *testing.T, c *harness.Client) string {
	t.Helper()
	var env []struct{ ID string }
	if err := c.JSON("GET", "/orchestration/environments?name=default", nil, &env); err != nil || len(env) != 1 {
		t.Fatalf("default environment: %v %+v", err, env)
	}
	return env[0].ID
}

// startThree starts a three-node cluster; the third node gets args3.
func startThree(t *testing.T, base string, args, args3 []string) []*harness.Node {
	t.Helper()
	first := harness.StartNode(t, bins, "r1", filepath.Join(base, "r1"), harness.NodeOptions{Token: testToken, Args: args})
	first.WaitReady(t, testToken, 30*time.Second)
	nodes := []*harness.Node{first}
	for i, a := range [][]string{args, args3} {
		id := fmt.Sprintf("r%d", i+2)
		nodes = append(nodes, harness.StartNode(t, bins, id, filepath.Join(base, id),
			harness.NodeOptions{Join: first.HTTPAddr, Token: testToken, Args: a}))
	}
	for _, n := range nodes {
		n.WaitReady(t, testToken, 30*time.Second)
	}
	return nodes
}

// waitSnapshotCovers waits until n's newest snapshot covers every entry n
// has applied at the time of the call.
func waitSnapshotCovers(t *testing.T, n *harness.Node) {
	t.Helper()
	applied := appliedIndex(t, n)
	harness.WaitFor(t, n.ID+" snapshot to cover its applied index", 30*time.Second, func() bool {
		return newestSnapshot(filepath.Join(n.DataDir, "raft", "snapshots")) >= applied
	})
}

func appliedIndex(t *testing.T, n *harness.Node) uint64 {
	t.Helper()
	resp, err := http.Get("http://" + n.HTTPAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		k, err := resp.Body.Read(buf)
		sb.Write(buf[:k])
		if err != nil {
			break
		}
	}
	m := regexp.MustCompile(`(?m)^roundhouse_raft_applied_index (\S+)$`).FindStringSubmatch(sb.String())
	if m == nil {
		t.Fatalf("no applied index in %s's metrics", n.ID)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(f)
}

func newestSnapshot(dir string) uint64 {
	entries, _ := os.ReadDir(dir)
	var top uint64
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") { // still being written
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name(), "meta.json"))
		if err != nil {
			continue
		}
		var meta struct{ Index uint64 }
		if json.Unmarshal(raw, &meta) == nil {
			top = max(top, meta.Index)
		}
	}
	return top
}

func availability(n *harness.Node, engineID string) string {
	var e struct{ Availability string }
	_ = harness.NewClient(n.HTTPAddr, testToken).JSON("GET", "/processing/runtimes/remote-engines/"+engineID+"?consistency=consistent", nil, &e)
	return e.Availability
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}
