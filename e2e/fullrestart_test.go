package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

// TestWholeClusterRestart kills every control-plane node at once and
// starts them again from their data dirs: all state comes back from disk
// and the engines reconnect on their own.
func TestWholeClusterRestart(t *testing.T) {
	base := t.TempDir()
	timing := []string{"--engine-heartbeat-interval", "1s", "--engine-heartbeat-timeout", "3s"}
	first := harness.StartNode(t, bins, "r1", filepath.Join(base, "r1"), harness.NodeOptions{Token: testToken, Args: timing})
	first.WaitReady(t, testToken, 15*time.Second)
	nodes := []*harness.Node{first}
	for i := 2; i <= 3; i++ {
		id := fmt.Sprintf("r%d", i)
		nodes = append(nodes, harness.StartNode(t, bins, id, filepath.Join(base, id),
			harness.NodeOptions{Join: first.HTTPAddr, Token: testToken, Args: timing}))
	}
	for _, n := range nodes {
		n.WaitReady(t, testToken, 20*time.Second)
	}
	c := harness.NewClient(first.HTTPAddr, testToken)
	var env []struct{ ID, Name string }
	if err := c.JSON("GET", "/orchestration/environments?name=default", nil, &env); err != nil || len(env) != 1 {
		t.Fatalf("default environment: %v %+v", err, env)
	}
	if err := c.JSON("POST", "/orchestration/environments", map[string]string{"name": "kept-across-restart"}, nil); err != nil {
		t.Fatal(err)
	}
	servers := nodes[0].QUICAddr + "," + nodes[1].QUICAddr + "," + nodes[2].QUICAddr
	var engines []string
	for i := 1; i <= 2; i++ {
		var e struct{ ID, PreAuthorizedKey string }
		if err := c.JSON("POST", "/processing/runtimes/remote-engines",
			map[string]string{"name": fmt.Sprintf("eng%d", i), "environmentId": env[0].ID}, &e); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(base, e.ID)
		pair := harness.Start(t, "pair "+e.ID, bins.Engine, nil, "pair", "--server", servers, "--key", e.PreAuthorizedKey, "--data-dir", dir)
		harness.WaitFor(t, "pairing", 20*time.Second, pair.Exited)
		if pair.ExitCode() != 0 {
			t.Fatalf("pair exited %d: %s", pair.ExitCode(), pair.Output())
		}
		harness.Start(t, "engine "+e.ID, bins.Engine, nil, "run", "--data-dir", dir)
		engines = append(engines, e.ID)
	}
	available := func(n *harness.Node) bool {
		for _, id := range engines {
			var e struct{ Availability string }
			if harness.NewClient(n.HTTPAddr, testToken).JSON("GET", "/processing/runtimes/remote-engines/"+id, nil, &e) != nil ||
				e.Availability != "AVAILABLE" {
				return false
			}
		}
		return true
	}
	harness.WaitFor(t, "engines available", 20*time.Second, func() bool { return available(first) })

	for _, n := range nodes {
		n.Kill()
	}
	for _, n := range nodes {
		n.Restart()
	}
	for _, n := range nodes {
		n.WaitReady(t, testToken, 30*time.Second)
	}
	names, err := tryEnvironmentNames(nodes[2])
	if err != nil || !names["kept-across-restart"] {
		t.Fatalf("state after a whole-cluster restart: %v %v", err, names)
	}
	// The new leader re-armed every engine's timer to a full timeout (3 s):
	// past two timeouts, AVAILABLE means the agents really reconnected.
	ready := time.Now()
	harness.WaitFor(t, "engines reconnected and available past two heartbeat timeouts", 45*time.Second, func() bool {
		return time.Since(ready) > 6*time.Second && available(nodes[1])
	})
	t.Logf("both engines AVAILABLE %s after the restarted cluster served", time.Since(ready))
}
