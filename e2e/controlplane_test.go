package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

// fastRaft makes snapshots frequent and the kept log short, so a node that
// was down must catch up from a snapshot.
var fastRaft = []string{"--raft-snapshot-entries", "200", "--raft-trailing-logs", "50", "--raft-snapshot-interval", "250ms"}

const testToken = "rhp_e2e-bootstrap-token-0123456789abcdefghijklmnop"

func startCluster(t *testing.T, size int) []*harness.Node {
	t.Helper()
	return harness.StartCluster(t, bins, size, testToken, fastRaft)
}

func environmentNames(t *testing.T, n *harness.Node) map[string]bool {
	t.Helper()
	names, err := tryEnvironmentNames(n)
	if err != nil {
		t.Fatalf("list environments on %s: %v", n.ID, err)
	}
	return names
}

func tryEnvironmentNames(n *harness.Node) (map[string]bool, error) {
	var list []struct{ Name string }
	if err := harness.NewClient(n.HTTPAddr, testToken).JSON("GET", "/orchestration/environments?consistency=consistent", nil, &list); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, e := range list {
		names[e.Name] = true
	}
	return names, nil
}

func leaderOf(t *testing.T, nodes []*harness.Node) (*harness.Node, []*harness.Node) {
	t.Helper()
	return harness.LeaderOf(t, nodes)
}

// writeLog records every write that got a 2xx, and when.
type writeLog struct {
	mu    sync.Mutex
	acked []string
	times []time.Time
}

func (w *writeLog) add(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acked = append(w.acked, name)
	w.times = append(w.times, time.Now())
}

func (w *writeLog) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// firstAckAfter is the first acknowledgement of a request sent after t0.
func (w *writeLog) firstAckAfter(t0 time.Time, sentAfter map[string]time.Time) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, name := range w.acked {
		if sentAfter[name].After(t0) {
			return w.times[i], true
		}
	}
	return time.Time{}, false
}

func TestLeaderKillLosesNoAcknowledgedWrite(t *testing.T) {
	nodes := startCluster(t, 3)
	leader, survivors := leaderOf(t, nodes)

	var log writeLog
	var sentMu sync.Mutex
	sent := map[string]time.Time{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := nodes[(w+i)%len(nodes)] // every node takes writes, the leader too
				name := fmt.Sprintf("w%d-%d", w, i)
				sentMu.Lock()
				sent[name] = time.Now()
				sentMu.Unlock()
				c := harness.NewClient(n.HTTPAddr, testToken)
				c.HTTP.Timeout = 3 * time.Second
				status, _, err := c.Do("POST", "/orchestration/environments", map[string]string{"name": name})
				if err == nil && status == 201 {
					log.add(name)
				}
			}
		}()
	}
	harness.WaitFor(t, "writes before the kill", 20*time.Second, func() bool { return log.count() >= 200 })
	killedAt := time.Now()
	leader.Kill()

	var recovered time.Duration
	harness.WaitFor(t, "a write accepted after the kill", 10*time.Second, func() bool {
		sentMu.Lock()
		defer sentMu.Unlock()
		at, ok := log.firstAckAfter(killedAt, sent)
		recovered = at.Sub(killedAt)
		return ok
	})
	t.Logf("leader %s killed; first write accepted again after %s", leader.ID, recovered)
	if recovered > 2500*time.Millisecond {
		t.Errorf("first accepted write %s after the leader kill, want under 2.5s", recovered)
	}
	// Keep writing long enough for snapshots to compact past the dead
	// node's log position.
	before := log.count()
	harness.WaitFor(t, "writes after the kill", 20*time.Second, func() bool { return log.count() >= before+600 })
	close(stop)
	wg.Wait()

	for _, n := range survivors {
		names := environmentNames(t, n)
		for _, name := range log.acked {
			if !names[name] {
				t.Fatalf("acknowledged write %s missing on %s", name, n.ID)
			}
		}
	}

	// The killed node comes back with its data dir and catches up.
	newLeader, _ := leaderOf(t, survivors)
	leaderStats := stats(t, newLeader)
	leader.Restart()
	harness.WaitFor(t, "restarted node caught up", 20*time.Second, func() bool {
		names, err := tryEnvironmentNames(leader)
		return err == nil && len(names) >= len(log.acked)
	})
	names := environmentNames(t, leader)
	for _, name := range log.acked {
		if !names[name] {
			t.Fatalf("acknowledged write %s missing on the restarted node", name)
		}
	}
	rejoined := stats(t, leader)
	snapIdx, _ := strconv.ParseUint(rejoined["last_snapshot_index"], 10, 64)
	leaderSnap, _ := strconv.ParseUint(leaderStats["last_snapshot_index"], 10, 64)
	if leaderSnap == 0 || snapIdx < leaderSnap {
		t.Errorf("restarted node's last snapshot index %d, want >= the leader's %d (installed from the leader)", snapIdx, leaderSnap)
	}
	t.Logf("acknowledged writes: %d; rejoined node snapshot index %d (leader's %d)", len(log.acked), snapIdx, leaderSnap)
}

func stats(t *testing.T, n *harness.Node) map[string]string {
	t.Helper()
	var s map[string]string
	if err := harness.NewClient(n.HTTPAddr, testToken).JSON("GET", "/cluster/status", nil, &s); err != nil {
		t.Fatalf("status of %s: %v", n.ID, err)
	}
	return s
}

func TestSingleNodeRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	n := harness.StartNode(t, bins, "solo", dir, harness.NodeOptions{Token: testToken})
	n.WaitReady(t, testToken, 15*time.Second)
	c := harness.NewClient(n.HTTPAddr, testToken)
	var env struct{ ID string }
	if err := c.JSON("POST", "/orchestration/environments", map[string]any{"name": "kept", "workspace": map[string]string{"name": "ws1"}}, &env); err != nil {
		t.Fatal(err)
	}
	if err := c.JSON("POST", "/orchestration/workspaces", map[string]string{"name": "ws2", "environmentId": env.ID}, nil); err != nil {
		t.Fatal(err)
	}
	for _, how := range []string{"graceful", "kill -9"} {
		if how == "graceful" {
			n.Stop()
			if code := n.ExitCode(); code != 0 {
				t.Fatalf("graceful stop exited %d", code)
			}
		} else {
			n.Kill()
		}
		n.Restart()
		n.WaitReady(t, testToken, 15*time.Second)
		var ws []struct{ Name string }
		if err := c.JSON("GET", "/orchestration/workspaces?environmentId="+env.ID, nil, &ws); err != nil {
			t.Fatalf("after %s restart: %v", how, err)
		}
		var got []string
		for _, w := range ws {
			got = append(got, w.Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"ws1", "ws2"}) {
			t.Fatalf("after %s restart workspaces = %v", how, got)
		}
	}
	// The same token still works and the audit log survived.
	var entries []map[string]any
	if err := c.JSON("GET", "/account/audit-logs", nil, &entries); err != nil || len(entries) < 2 {
		raw, _ := json.Marshal(entries)
		t.Fatalf("audit after restarts: %v %s", err, raw)
	}
}

func TestBadFlagsExitTwo(t *testing.T) {
	cases := [][]string{
		{"server", "--engine-heartbeat-interval", "10s", "--engine-heartbeat-timeout", "20s"},
		{"server", "--http-addr", "nonsense"},
		{"server", "--no-such-flag"},
		{"server", "--data-dir", "/proc/version/x"},
	}
	for _, args := range cases {
		p := harness.Start(t, "bad flags", bins.Server, nil, args...)
		harness.WaitFor(t, "exit", 10*time.Second, p.Exited)
		if code := p.ExitCode(); code != 2 {
			t.Errorf("%v: exit code %d, want 2; output:\n%s", args, code, p.Output())
		}
	}
}
