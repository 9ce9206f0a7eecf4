package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var finalStatuses = map[string]bool{"EXECUTION_SUCCESS": true, "EXECUTION_FAILED": true, "EXECUTION_REJECTED": true,
	"DEPLOY_FAILED": true, "EXECUTION_TERMINATED": true, "EXECUTION_TERMINATED_TIMEOUT": true}

// allExecutions lists every execution a node knows (up to 1000).
func (c *engCluster) allExecutions() (map[string]string, bool) {
	var page struct {
		Items []struct {
			ID     string `json:"executionId"`
			Status string `json:"executionStatus"`
		} `json:"items"`
	}
	if c.call("GET", "/processing/executions?limit=1000", nil, &page) != http.StatusOK {
		return nil, false
	}
	out := map[string]string{}
	for _, it := range page.Items {
		out[it.ID] = it.Status
	}
	return out, true
}

// The leader of a 3-node control plane is killed while 200 executions run
// on a 3-engine cluster of real engines: every execution ends in exactly
// one final state, none is lost, none runs twice (each job appends its
// MARK to a file shared by the engines).
func TestLeaderKilledDuring200Executions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 3 nodes, 3 engines and 200 jobs")
	}
	const interval, timeout = "1s", "3s"
	first := engStartNode(t, interval, timeout, "")
	nodes := []*engCluster{first, engStartNode(t, interval, timeout, first.http), engStartNode(t, interval, timeout, first.http)}
	engEventually(t, 20*time.Second, "3 voting members", func() bool {
		var members []map[string]any
		return first.call("GET", "/cluster/members", nil, &members) == http.StatusOK && len(members) == 3
	})
	first.grantShared()
	var quics []string
	for _, n := range nodes {
		quics = append(quics, n.quic)
	}
	var cl struct {
		ID string `json:"id"`
	}
	if code := first.call("POST", "/processing/runtimes/remote-engine-clusters", map[string]any{"name": "ha", "environmentId": first.environmentID}, &cl); code != 201 {
		t.Fatalf("create cluster: %d", code)
	}
	var engineIDs []string
	for i := range 3 {
		e := first.createEngine(fmt.Sprintf("ha-%d", i), 0)
		dir := filepath.Join(shortTempDir(t), "e")
		servers := append(append([]string{}, quics[i:]...), quics[:i]...) // sessions spread over the nodes
		if code, out := first.pairWith(strings.Join(servers, ","), dir, e.PreAuthorizedKey); code != 0 {
			t.Fatalf("pair %d: exit %d: %s", i, code, out)
		}
		first.run(dir)
		if code := first.call("PUT", "/processing/runtimes/remote-engine-clusters/"+cl.ID+"/engines/"+e.ID, nil, nil); code != 204 {
			t.Fatalf("add engine to the cluster: %d", code)
		}
		engineIDs = append(engineIDs, e.ID)
	}
	for _, n := range nodes {
		engEventually(t, 10*time.Second, "3 engines AVAILABLE on every node", func() bool {
			for _, id := range engineIDs {
				if n.engine(id).Availability != "AVAILABLE" {
					return false
				}
			}
			return true
		})
	}
	// Four tasks of 50: at most 50 runs of one task may be queued.
	runs := filepath.Join(t.TempDir(), "runs")
	var tasks []string
	for i := range 4 {
		task := first.publishHelloJob(fmt.Sprintf("ha-job-%d", i))
		first.configure(task, "REMOTE_ENGINE_CLUSTER", cl.ID, 0)
		tasks = append(tasks, task)
	}
	ids := map[string]string{} // execution -> mark
	submitted := time.Now()
	for i := range 200 {
		mark := fmt.Sprintf("m%03d", i)
		// 0.3 s each: 200 runs on 9 slots last about 7 s, so the kill lands mid-way.
		ids[first.execute(tasks[i%4], map[string]string{"MARK": mark, "RUNS_FILE": runs, "SLEEP": "0.3"})] = mark
	}
	t.Logf("200 executions submitted in %s", time.Since(submitted).Round(time.Millisecond))

	var leader engHealth
	first.call("GET", "/health", nil, &leader)
	var survivor *engCluster
	for _, n := range nodes {
		var h engHealth
		n.call("GET", "/health", nil, &h)
		if h.NodeID != leader.Leader {
			survivor = n
		}
	}
	engEventually(t, 30*time.Second, "20 executions finished before the kill", func() bool {
		all, ok := survivor.allExecutions()
		n := 0
		for _, s := range all {
			if finalStatuses[s] {
				n++
			}
		}
		return ok && n >= 20
	})
	for _, n := range nodes {
		var h engHealth
		n.call("GET", "/health", nil, &h)
		if h.NodeID == leader.Leader {
			all, _ := survivor.allExecutions()
			done := 0
			for _, s := range all {
				if finalStatuses[s] {
					done++
				}
			}
			t.Logf("killing leader %s with %d of 200 executions finished", h.NodeID, done)
			n.proc.kill9()
		}
	}

	start := time.Now()
	var all map[string]string
	engEventually(t, 90*time.Second, "all 200 executions final", func() bool {
		var ok bool
		all, ok = survivor.allExecutions()
		if !ok {
			return false
		}
		for id := range ids {
			if !finalStatuses[all[id]] {
				return false
			}
		}
		return true
	})
	t.Logf("all final %s after the kill", time.Since(start).Round(time.Millisecond))
	counts := map[string]int{}
	for _, s := range all {
		counts[s]++
	}
	b, err := os.ReadFile(runs)
	if err != nil {
		t.Fatal(err)
	}
	ran := map[string]int{}
	for _, line := range strings.Fields(string(b)) {
		ran[line]++
	}
	for id, mark := range ids {
		switch {
		case ran[mark] > 1:
			t.Errorf("execution %s (%s) ran %d times", id, mark, ran[mark])
		case all[id] == "EXECUTION_SUCCESS" && ran[mark] != 1:
			t.Errorf("execution %s (%s) succeeded but ran %d times", id, mark, ran[mark])
		case all[id] != "EXECUTION_SUCCESS":
			t.Errorf("execution %s ended %s", id, all[id])
		}
	}
	t.Logf("final states: %v", counts)
}
