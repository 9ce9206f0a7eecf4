package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A job built with `roundhouse artifact build` and uploaded runs on a real
// engine: the engine downloads the artifact by digest, runs it with the
// parameters given, and the control plane shows EXECUTION_SUCCESS and the
// echoed line in the logs.
func TestJobRunsOnAnEngine(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	c.grantShared()
	engineID, _ := c.startRunningEngine("runner")
	task := c.publishHelloJob("hello")
	c.configure(task, "REMOTE_ENGINE", engineID, 0)

	start := time.Now()
	id := c.execute(task, map[string]string{"GREETING": "roundhouse"})
	v := c.waitStatus(id, "EXECUTION_SUCCESS", 20*time.Second)
	t.Logf("first run (artifact download included) final in %s", time.Since(start).Round(time.Millisecond))
	if v.EngineID != engineID {
		t.Fatalf("ran on %q, want %s", v.EngineID, engineID)
	}
	engEventually(t, 5*time.Second, "the echoed line in the logs", func() bool {
		return strings.Contains(c.logText(id), "hello roundhouse")
	})

	start = time.Now()
	again := c.execute(task, nil)
	c.waitStatus(again, "EXECUTION_SUCCESS", 10*time.Second)
	t.Logf("second run (cached artifact) final in %s", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(c.logText(again), "hello world") {
		t.Fatalf("default parameter not used: %q", c.logText(again))
	}

	// A 100 KB line of control characters (600 KB once escaped) is cut,
	// and the lines after it still arrive.
	binary := c.execute(task, map[string]string{"BINARY": "1"})
	c.waitStatus(binary, "EXECUTION_SUCCESS", 10*time.Second)
	engEventually(t, 5*time.Second, "the binary line cut, and the line after it", func() bool {
		text := c.logText(binary)
		return strings.Contains(text, "\x01\x01 [truncated]") && strings.Contains(text, "after the binary line")
	})
}

// A job on a 3-engine cluster spreads over the engines (least busy
// first, at most 3 at once per engine) and every run succeeds.
func TestClusterJobSpreadsOverEngines(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	c.grantShared()
	var cl struct {
		ID string `json:"id"`
	}
	if code := c.call("POST", "/processing/runtimes/remote-engine-clusters", map[string]any{"name": "pool", "environmentId": c.environmentID}, &cl); code != 201 {
		t.Fatalf("create cluster: %d", code)
	}
	engines := map[string]bool{}
	for _, name := range []string{"a", "b", "c"} {
		id, _ := c.startRunningEngine(name)
		if code := c.call("PUT", "/processing/runtimes/remote-engine-clusters/"+cl.ID+"/engines/"+id, nil, nil); code != 204 {
			t.Fatalf("add %s to the cluster: %d", name, code)
		}
		engines[id] = true
	}
	task := c.publishHelloJob("spread")
	c.configure(task, "REMOTE_ENGINE_CLUSTER", cl.ID, 0)
	var ids []string
	for range 9 {
		ids = append(ids, c.execute(task, map[string]string{"SLEEP": "1"}))
	}
	used := map[string]int{}
	for _, id := range ids {
		v := c.waitStatus(id, "EXECUTION_SUCCESS", 30*time.Second)
		if !engines[v.EngineID] {
			t.Fatalf("execution %s ran on %q, not a cluster engine", id, v.EngineID)
		}
		used[v.EngineID]++
	}
	if len(used) != 3 {
		t.Fatalf("9 one-second runs used engines %v, want all 3", used)
	}
}

// Stop ends a running job (its processes are killed) with
// EXECUTION_TERMINATED; a job past its timeout ends with
// EXECUTION_TERMINATED_TIMEOUT.
func TestStopAndTimeoutEndRunningJobs(t *testing.T) {
	// One "minute" of task timeouts lasts 2 s here.
	c := engStartNodeArgs(t, "1s", "3s", "", "--execution-minute", "2s")
	c.grantShared()
	engineID, _ := c.startRunningEngine("runner")
	task := c.publishHelloJob("sleeper")
	c.configure(task, "REMOTE_ENGINE", engineID, 1)

	stopped := c.execute(task, map[string]string{"SLEEP": "60"})
	c.waitStatus(stopped, "STARTING_FLOW_EXECUTION", 10*time.Second)
	if code := c.call("POST", "/processing/executions/"+stopped+"/stop", nil, nil); code >= 300 {
		t.Fatalf("stop: status %d", code)
	}
	v := c.waitStatus(stopped, "EXECUTION_TERMINATED", 10*time.Second)
	engEventually(t, 10*time.Second, "the engine's own report of the stop", func() bool {
		return c.execution(stopped).EngineReportedStatus == "EXECUTION_TERMINATED"
	})
	t.Logf("stopped: %+v", v)

	start := time.Now()
	late := c.execute(task, map[string]string{"SLEEP": "60"})
	v = c.waitStatus(late, "EXECUTION_TERMINATED_TIMEOUT", 15*time.Second)
	if took := time.Since(start); took < 2*time.Second {
		t.Fatalf("timed out after %s, before its 2 s timeout", took)
	}
	engEventually(t, 10*time.Second, "the engine killed the job and said so", func() bool {
		s := c.execution(late).EngineReportedStatus
		return s == "EXECUTION_TERMINATED_TIMEOUT" || s == "EXECUTION_TERMINATED"
	})
	t.Logf("timed out: %+v", v)
}

// An engine killed while its job runs, and started again after the job
// ended, reports what it ran: the execution succeeds, ran exactly once,
// and the result is reported once.
func TestEngineAwayReportsWhatItRanOnce(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	c.grantShared()
	e := c.createEngine("away", 0)
	dir := filepath.Join(shortTempDir(t), "e")
	if code, out := c.pair(dir, e.PreAuthorizedKey); code != 0 {
		t.Fatalf("pair: exit %d: %s", code, out)
	}
	agent := c.run(dir)
	engEventually(t, 5*time.Second, "engine AVAILABLE", func() bool { return c.engine(e.ID).Availability == "AVAILABLE" })
	task := c.publishHelloJob("away")
	c.configure(task, "REMOTE_ENGINE", e.ID, 0)
	runs := filepath.Join(t.TempDir(), "runs")
	done := filepath.Join(t.TempDir(), "done")
	id := c.execute(task, map[string]string{"SLEEP": "1", "MARK": "x", "RUNS_FILE": runs, "DONE_FILE": done})
	c.waitStatus(id, "STARTING_FLOW_EXECUTION", 10*time.Second)
	// Lines the agent holds in its 100 ms batch at a kill -9 are lost (the
	// runtime's log cursor has moved on); results are not.
	engEventually(t, 5*time.Second, "the echoed line in the logs", func() bool {
		return strings.Contains(c.logText(id), "hello world")
	})

	agent.kill9()
	// The job ends while no agent watches (what this test is about).
	engEventually(t, 10*time.Second, "the job finished with its agent dead", func() bool {
		_, err := os.Stat(done)
		return err == nil
	})
	if v := c.execution(id); v.ExecutionStatus != "STARTING_FLOW_EXECUTION" {
		t.Fatalf("while the engine was away the execution became %s", v.ExecutionStatus)
	}
	c.run(dir)
	c.waitStatus(id, "EXECUTION_SUCCESS", 10*time.Second)
	if b, _ := os.ReadFile(runs); strings.Count(string(b), "x") != 1 {
		t.Fatalf("the job ran %d times, want once", strings.Count(string(b), "x"))
	}
	// The result was released once acknowledged: nothing is left to report.
	engEventually(t, 5*time.Second, "the result released from the engine's state", func() bool {
		left, _ := os.ReadDir(filepath.Join(dir, "rt", "workloads"))
		return len(left) == 0
	})
}

// An artifact the engine cannot get (its blob lost on the only node)
// ends the execution DEPLOY_FAILED with the reason; nothing runs.
func TestMissingArtifactIsDeployFailed(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	c.grantShared()
	engineID, _ := c.startRunningEngine("runner")
	task := c.publishHelloJob("lost")
	c.configure(task, "REMOTE_ENGINE", engineID, 0)
	blobs, _ := filepath.Glob(filepath.Join(c.dataDir, "artifacts", "sha256", "*"))
	if len(blobs) != 1 {
		t.Fatalf("blobs on the node: %v", blobs)
	}
	if err := os.Remove(blobs[0]); err != nil {
		t.Fatal(err)
	}
	runs := filepath.Join(t.TempDir(), "runs")
	id := c.execute(task, map[string]string{"MARK": "x", "RUNS_FILE": runs})
	v := c.waitStatus(id, "DEPLOY_FAILED", 20*time.Second)
	if !strings.Contains(v.ErrorMessage, "could not be deployed") {
		t.Fatalf("reason %q", v.ErrorMessage)
	}
	if _, err := os.Stat(runs); err == nil {
		t.Fatal("the job ran without its artifact")
	}
}

// The run profile's limits reach the job: its open-files limit is the
// profile's.
func TestRunProfileLimitsReachTheJob(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	c.grantShared()
	engineID, _ := c.startRunningEngine("runner")
	var profile struct {
		ID string `json:"id"`
	}
	if code := c.call("POST", "/processing/runtimes/remote-engines/"+engineID+"/run-profiles", map[string]any{
		"name": "tight", "type": "JOB_SERVER", "limits": map[string]any{"maxOpenFiles": 123}}, &profile); code != 201 {
		t.Fatalf("create run profile: %d", code)
	}
	task := c.publishHelloJob("limited")
	body := map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": engineID, "runProfileId": profile.ID},
		"parallelExecutionAllowed": true, "logLevel": "INFO"}
	if code := c.call("PUT", "/orchestration/executables/tasks/"+task+"/run-config", body, nil); code != 204 {
		t.Fatalf("run config: %d", code)
	}
	id := c.execute(task, map[string]string{"SHOW_LIMITS": "1"})
	c.waitStatus(id, "EXECUTION_SUCCESS", 20*time.Second)
	engEventually(t, 5*time.Second, "the profile's open-files limit in the job", func() bool {
		return strings.Contains(c.logText(id), "open files 123")
	})
}
