package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/e2e/harness"
)

// shortTempDir is a temp dir with a short path: an engine's workload
// sockets live under its data dir, and unix socket paths are capped.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// startRunningEngine creates, pairs and runs an engine (1 s heartbeats)
// and waits until it is AVAILABLE.
func (c *engCluster) startRunningEngine(name string) (string, *engProc) {
	c.t.Helper()
	e := c.createEngine(name, 0)
	dir := filepath.Join(shortTempDir(c.t), "e")
	if code, out := c.pair(dir, e.PreAuthorizedKey); code != 0 {
		c.t.Fatalf("pair %s: exit %d: %s", name, code, out)
	}
	p := c.run(dir)
	engEventually(c.t, 5*time.Second, name+" AVAILABLE", func() bool { return c.engine(e.ID).Availability == "AVAILABLE" })
	return e.ID, p
}

// helloJob is the sample job: it echoes a parameter, appends its MARK to
// RUNS_FILE (so a test can count runs) and sleeps SLEEP seconds.
const helloJob = `#!/bin/sh
echo "hello $GREETING"
if [ -n "$SHOW_LIMITS" ]; then echo "open files $(ulimit -n)"; fi
if [ -n "$BINARY" ]; then head -c 100000 /dev/zero | tr '\0' '\1'; echo; echo "after the binary line"; fi
if [ -n "$MARK" ]; then echo "$MARK" >> "$RUNS_FILE"; fi
sleep "$SLEEP"
if [ -n "$DONE_FILE" ]; then touch "$DONE_FILE"; fi
`

// publishHelloJob builds the sample job with `roundhouse artifact build`,
// uploads it (which creates its task) and returns the task ID.
func (c *engCluster) publishHelloJob(name string) string {
	c.t.Helper()
	return c.publishJob(name, helloJob, `{"GREETING": "world", "MARK": "", "RUNS_FILE": "/dev/null", "SLEEP": "0", "BINARY": "", "SHOW_LIMITS": "", "DONE_FILE": ""}`)
}

// publishJob builds a job artifact from a script and its parameters
// (a JSON object) and uploads it; it returns the task ID.
func (c *engCluster) publishJob(name, script, params string) string {
	c.t.Helper()
	src := c.t.TempDir()
	manifest := `{"name": "` + name + `", "version": "1.0.0", "type": "job", "entrypoint": ["./run.sh"], "parameters": ` + params + `}`
	for file, body := range map[string]string{"artifact.json": manifest, "run.sh": script} {
		if err := os.WriteFile(filepath.Join(src, file), []byte(body), 0o755); err != nil {
			c.t.Fatal(err)
		}
	}
	archive := filepath.Join(c.t.TempDir(), name+".tar.gz")
	if out, err := exec.Command(bins.Server, "artifact", "build", src, "-o", archive).CombinedOutput(); err != nil {
		c.t.Fatalf("artifact build: %v: %s", err, out)
	}
	body, err := os.ReadFile(archive)
	if err != nil {
		c.t.Fatal(err)
	}
	status, raw, err := harness.NewClient(c.http, c.token).API().Exchange(context.Background(), "POST", "/orchestration/artifacts", "application/gzip", body)
	var pub struct {
		TaskID string `json:"taskId"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &pub)
	}
	if err != nil || status != http.StatusCreated || pub.TaskID == "" {
		c.t.Fatalf("upload: status %d, %+v, %v", status, pub, err)
	}
	return pub.TaskID
}

// grantShared gives the admin every right on the default Shared workspace.
func (c *engCluster) grantShared() {
	c.t.Helper()
	if _, _, err := executionstest.SharedWorkspace("http://"+c.http, c.token); err != nil {
		c.t.Fatal(err)
	}
}

// configure sets a task's run config on an engine or cluster.
func (c *engCluster) configure(taskID, runtimeType, runtimeID string, timeoutMinutes int) {
	c.t.Helper()
	body := map[string]any{"runtime": map[string]any{"type": runtimeType, "id": runtimeID},
		"parallelExecutionAllowed": true, "logLevel": "INFO"}
	if timeoutMinutes > 0 {
		body["timeout"] = timeoutMinutes
	}
	if code := c.call("PUT", "/orchestration/executables/tasks/"+taskID+"/run-config", body, nil); code != http.StatusNoContent {
		c.t.Fatalf("run config: status %d", code)
	}
}

func (c *engCluster) execute(taskID string, params map[string]string) string {
	c.t.Helper()
	var out struct {
		ExecutionID string `json:"executionId"`
	}
	if code := c.call("POST", "/processing/executions", map[string]any{"executable": taskID, "parameters": params}, &out); code != http.StatusCreated {
		c.t.Fatalf("run task %s: status %d", taskID, code)
	}
	return out.ExecutionID
}

type execView struct {
	ExecutionStatus      string `json:"executionStatus"`
	EngineID             string `json:"remoteEngineId"`
	ErrorMessage         string `json:"errorMessage"`
	EngineReportedStatus string `json:"engineReportedStatus"`
}

func (c *engCluster) execution(id string) execView {
	var v execView
	c.call("GET", "/processing/executions/"+id, nil, &v)
	return v
}

// waitStatus polls an execution until it has status want.
func (c *engCluster) waitStatus(id, want string, within time.Duration) execView {
	c.t.Helper()
	var v execView
	engEventually(c.t, within, "execution "+id+" "+want, func() bool {
		v = c.execution(id)
		return v.ExecutionStatus == want
	})
	return v
}

// logText is an execution's log messages, one per line.
func (c *engCluster) logText(id string) string {
	lines, _ := harness.NewClient(c.http, c.token).API().Executions().Logs(context.Background(), id)
	var buf bytes.Buffer
	for _, l := range lines {
		buf.WriteString(l.Message + "\n")
	}
	return buf.String()
}
