package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// overlapJob counts how many of its kind run at once: it appends the
// number of entries in $DIR when it starts, then holds its own for a
// while.
const overlapJob = `#!/bin/sh
mkdir -p "$DIR"
touch "$DIR/$$"
ls "$DIR" | wc -l >> "$DIR.counts"
sleep 0.2
rm -f "$DIR/$$"
`

// Many executions queued at once on one engine: the control plane's
// per-engine cap (3, checked in the replicated state, an execution
// counting until its final status is recorded) and the engine's job slots
// (freed before a result is reported) agree, so the engine never holds a
// job waiting for a slot — which it would log — and never runs more than
// 3 at once. This is why no BUSY status is needed for capacity.
func TestEngineNeverWaitsForAJobSlot(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	c.grantShared()
	engineID, agent := c.startRunningEngine("capped")
	task := c.publishJob("capped", overlapJob, `{"DIR": "/tmp/none"}`)
	c.configure(task, "REMOTE_ENGINE", engineID, 0)
	dir := filepath.Join(t.TempDir(), "running")

	var ids []string
	for range 15 {
		ids = append(ids, c.execute(task, map[string]string{"DIR": dir}))
	}
	for _, id := range ids {
		c.waitStatus(id, "EXECUTION_SUCCESS", 30*time.Second)
	}
	b, err := os.ReadFile(dir + ".counts")
	if err != nil {
		t.Fatal(err)
	}
	peak := 0
	for _, f := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(f)
		peak = max(peak, n)
	}
	if runs := len(strings.Fields(string(b))); runs != len(ids) || peak > 3 || peak < 2 {
		t.Fatalf("%d runs, at most %d at once; want %d runs, 2 or 3 at once", runs, peak, len(ids))
	}
	if out := agent.out.String(); strings.Contains(out, "all job slots taken") {
		t.Fatalf("a job waited for a slot on the engine:\n%s", out)
	}
}
