package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

// TestSessionSurvivesFailoverOfItsNode kills -9 the node holding an
// engine's session (the leader) and restarts it: the agent's new session
// on another node must stay up, not be closed by that node once the
// cluster has settled. Each node that ends a session logs why.
func TestSessionSurvivesFailoverOfItsNode(t *testing.T) {
	base := t.TempDir()
	timing := []string{"--engine-heartbeat-interval", "1s", "--engine-heartbeat-timeout", "3s"}
	nodes := startThree(t, base, timing, timing)
	leader, _ := leaderOf(t, nodes)
	c := harness.NewClient(leader.HTTPAddr, testToken)
	engine := createEngine(t, c, defaultEnvironment(t, c), "failover")
	// The leader first: the agent's session starts there.
	servers := leader.QUICAddr
	for _, n := range nodes {
		if n != leader {
			servers += "," + n.QUICAddr
		}
	}
	dir := filepath.Join(base, engine.ID)
	pair := harness.Start(t, "pair", bins.Engine, nil, "pair", "--server", servers, "--key", engine.PreAuthorizedKey, "--data-dir", dir)
	harness.WaitFor(t, "pairing", 30*time.Second, pair.Exited)
	if pair.ExitCode() != 0 {
		t.Fatalf("pair exited %d: %s", pair.ExitCode(), pair.Output())
	}
	agent := harness.Start(t, "engine", bins.Engine, nil, "run", "--data-dir", dir)
	established := regexp.MustCompile(`msg="session established".*node=(\S+)`)
	harness.WaitFor(t, "a session on the leader", 30*time.Second, func() bool {
		m := established.FindAllStringSubmatch(agent.Output(), -1)
		return len(m) > 0 && m[len(m)-1][1] == leader.ID
	})
	before := strings.Count(agent.Output(), `msg="session established"`)
	leader.Kill()
	leader.Restart()
	harness.WaitFor(t, "a new session", 60*time.Second, func() bool {
		return strings.Count(agent.Output(), `msg="session established"`) > before
	})
	// The new session must outlive every deadline a node keeps for a
	// request (10 s) by a margin; the agent logs "session ended" at once.
	settled := strings.Count(agent.Output(), `msg="session ended"`)
	deadline := time.Now().Add(25 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(agent.Output(), `msg="session ended"`) > settled {
			t.Fatalf("the session that replaced the killed node's ended:\n%s", tail(agent.Output()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSessionOutlivesLostQuorum restarts an agent while its node has lost
// its quorum (the two other nodes killed): the node still knows the engine
// and takes its session, and must keep it while it cannot reach a leader
// (the engine's work waits), not close it once a consistent read timed out.
func TestSessionOutlivesLostQuorum(t *testing.T) {
	base := t.TempDir()
	timing := []string{"--engine-heartbeat-interval", "1s", "--engine-heartbeat-timeout", "3s"}
	nodes := startThree(t, base, timing, timing)
	c := harness.NewClient(nodes[0].HTTPAddr, testToken)
	engine := createEngine(t, c, defaultEnvironment(t, c), "alone")
	kept := nodes[2]
	dir := filepath.Join(base, engine.ID)
	pair := harness.Start(t, "pair", bins.Engine, nil, "pair", "--server", kept.QUICAddr, "--key", engine.PreAuthorizedKey, "--data-dir", dir)
	harness.WaitFor(t, "pairing", 30*time.Second, pair.Exited)
	if pair.ExitCode() != 0 {
		t.Fatalf("pair exited %d: %s", pair.ExitCode(), pair.Output())
	}
	// r3 must have applied the pairing before the quorum goes.
	harness.WaitFor(t, "r3 knows the engine paired", 30*time.Second, func() bool {
		var e struct{ PairingStatus, Status string }
		err := harness.NewClient(kept.HTTPAddr, testToken).JSON("GET", "/processing/runtimes/remote-engines/"+engine.ID, nil, &e)
		return err == nil && strings.Contains(e.Status+e.PairingStatus, "PAIRED") && !strings.Contains(e.Status+e.PairingStatus, "NOT_PAIRED")
	})
	nodes[0].Kill()
	nodes[1].Kill()
	agent := harness.Start(t, "engine", bins.Engine, nil, "run", "--data-dir", dir)
	harness.WaitFor(t, "a session on r3", 90*time.Second, func() bool {
		return strings.Contains(agent.Output(), `msg="session established"`) || agent.Exited()
	})
	if agent.Exited() {
		t.Fatalf("the agent exited %d: %s", agent.ExitCode(), tail(agent.Output()))
	}
	deadline := time.Now().Add(25 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(agent.Output(), `msg="session ended"`) {
			t.Fatalf("r3 ended the session while it had no quorum:\n%s\n---- r3 ----\n%s", tail(agent.Output()), tail(kept.Output()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
