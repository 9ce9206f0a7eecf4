package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An execution given to an engine whose agent died before receiving it
// (the engine is still AVAILABLE: its heartbeat timeout has not passed)
// goes back to the queue when the agent returns and says, on WorkOpen,
// that it does not hold it; it then runs once, as attempt 2.
func TestAssignmentLostByARestartedAgentRunsOnce(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	c.grantShared()
	e := c.createEngine("forgetful", 0)
	dir := filepath.Join(shortTempDir(t), "e")
	if code, out := c.pair(dir, e.PreAuthorizedKey); code != 0 {
		t.Fatalf("pair: exit %d: %s", code, out)
	}
	agent := c.run(dir)
	engEventually(t, 5*time.Second, "engine AVAILABLE", func() bool { return c.engine(e.ID).Availability == "AVAILABLE" })
	task := c.publishHelloJob("forgetful")
	c.configure(task, "REMOTE_ENGINE", e.ID, 0)

	agent.kill9()
	runs := filepath.Join(t.TempDir(), "runs")
	id := c.execute(task, map[string]string{"MARK": "x", "RUNS_FILE": runs})
	c.waitStatus(id, "DISPATCHING_FLOW", 2*time.Second)
	if got := c.engine(e.ID).Availability; got != "AVAILABLE" {
		t.Fatalf("engine %s before the agent came back; the test needs it still AVAILABLE", got)
	}

	c.run(dir)
	c.waitStatus(id, "EXECUTION_SUCCESS", 15*time.Second)
	var v struct {
		Attempt int `json:"attempt"`
	}
	c.call("GET", "/processing/executions/"+id, nil, &v)
	if v.Attempt != 2 {
		t.Fatalf("finished as attempt %d, want 2 (re-queued after the engine said it did not hold attempt 1)", v.Attempt)
	}
	if b, _ := os.ReadFile(runs); strings.Count(string(b), "x") != 1 {
		t.Fatalf("the job ran %d times, want once", strings.Count(string(b), "x"))
	}
}
