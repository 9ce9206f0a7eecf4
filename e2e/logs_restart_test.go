package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// countingJob prints "line 1" ... "line $N", one every 10 ms.
const countingJob = `#!/bin/sh
i=1
while [ "$i" -le "$N" ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done
`

// Every line a job writes arrives exactly once although its agent is
// killed -9 mid-run (with lines in its unsent batch and others sent but
// not yet acknowledged) and restarted: the restarted agent resumes the
// job's log after the last line the server acknowledged, and the server
// stores each numbered line once.
func TestLogLinesArriveExactlyOnceAcrossAnAgentKill(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	c.grantShared()
	e := c.createEngine("chatty", 0)
	dir := filepath.Join(shortTempDir(t), "e")
	if code, out := c.pair(dir, e.PreAuthorizedKey); code != 0 {
		t.Fatalf("pair: exit %d: %s", code, out)
	}
	agent := c.run(dir)
	engEventually(t, 5*time.Second, "engine AVAILABLE", func() bool { return c.engine(e.ID).Availability == "AVAILABLE" })
	task := c.publishJob("chatty", countingJob, `{"N": "0"}`)
	c.configure(task, "REMOTE_ENGINE", e.ID, 0)

	const n = 300
	id := c.execute(task, map[string]string{"N": fmt.Sprint(n)})
	engEventually(t, 10*time.Second, "the first lines stored", func() bool {
		return strings.Count(c.logText(id), "line ") >= 40
	})
	agent.kill9() // the job goes on; its lines pile up in the plugin
	c.run(dir)
	c.waitStatus(id, "EXECUTION_SUCCESS", 20*time.Second)

	got := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(c.logText(id)), "\n") {
		got[l]++
	}
	var missing, twice []int
	for i := 1; i <= n; i++ {
		switch got[fmt.Sprintf("line %d", i)] {
		case 0:
			missing = append(missing, i)
		case 1:
		default:
			twice = append(twice, i)
		}
	}
	if len(missing) > 0 || len(twice) > 0 {
		t.Fatalf("lines missing %v, stored more than once %v", missing, twice)
	}
}
