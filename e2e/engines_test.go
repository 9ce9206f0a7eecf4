package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With 1 s / 3 s timing, an agent killed with -9 is NOT_AVAILABLE within
// 4 s and AVAILABLE again within 1 s of its restart; its neighbour is
// never marked down.
func TestEngineAvailabilityFollowsHeartbeats(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	dirs := map[string]string{}
	var ids []string
	for _, name := range []string{"victim", "neighbour"} {
		e := c.createEngine(name, 0)
		dirs[e.ID] = filepath.Join(t.TempDir(), name)
		if code, out := c.pair(dirs[e.ID], e.PreAuthorizedKey); code != 0 {
			t.Fatalf("pair %s: exit %d: %s", name, code, out)
		}
		if got := c.engine(e.ID); got.Status != "PAIRED" {
			t.Fatalf("%s status %s after pairing, want PAIRED", name, got.Status)
		}
		ids = append(ids, e.ID)
	}
	victim, neighbour := ids[0], ids[1]
	agent := c.run(dirs[victim])
	c.run(dirs[neighbour])
	for _, id := range ids {
		engEventually(t, 2*time.Second, "engine AVAILABLE after run", func() bool { return c.engine(id).Availability == "AVAILABLE" })
	}

	agent.kill9()
	down := engEventually(t, 4*time.Second, "killed engine NOT_AVAILABLE", func() bool {
		return c.engine(victim).Availability == "NOT_AVAILABLE"
	})
	t.Logf("NOT_AVAILABLE %s after kill -9", down.Round(time.Millisecond))
	if c.engine(neighbour).Availability != "AVAILABLE" {
		t.Fatal("the neighbour was marked down")
	}

	c.run(dirs[victim])
	up := engEventually(t, time.Second, "restarted engine AVAILABLE", func() bool {
		return c.engine(victim).Availability == "AVAILABLE"
	})
	t.Logf("AVAILABLE %s after restart", up.Round(time.Millisecond))
}

// Used, expired, regenerated-away and garbage keys are refused with a
// clear message, exit non-zero and change nothing.
func TestBadPairKeysAreRefusedAndChangeNothing(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	used := c.createEngine("used", 0)
	if code, out := c.pair(filepath.Join(t.TempDir(), "first"), used.PreAuthorizedKey); code != 0 {
		t.Fatalf("first use: exit %d: %s", code, out)
	}
	pairedAt := c.engine(used.ID).PairDate
	expired := c.createEngine("expired", 1)
	regenerated := c.createEngine("regenerated", 0)
	var fresh struct {
		PreAuthorizedKey string `json:"preAuthorizedKey"`
	}
	if code := c.call("POST", "/processing/runtimes/remote-engines/"+regenerated.ID+"/pre-authorized-key", nil, &fresh); code != 201 || fresh.PreAuthorizedKey == "" {
		t.Fatalf("regenerate key: status %d", code)
	}
	time.Sleep(1100 * time.Millisecond) // let the 1 s key expire

	tests := []struct {
		name, key, engineID, want string
	}{
		{"used", used.PreAuthorizedKey, "", "already used"},
		{"expired", expired.PreAuthorizedKey, expired.ID, "expired"},
		{"regenerated away", regenerated.PreAuthorizedKey, regenerated.ID, "not known"},
		{"garbage", "rhpk1.0123.garbage", "", "not valid"},
		{"blank", "   ", "", "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "agent")
			code, out := c.pair(dir, tt.key)
			if code == 0 || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, output %q; want a refusal mentioning %q", code, out, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "identity.json")); err == nil {
				t.Fatal("a refused pairing wrote an identity")
			}
			if tt.engineID != "" && c.engine(tt.engineID).Status != "NOT_PAIRED" {
				t.Fatal("a refused key paired its engine")
			}
		})
	}
	if got := c.engine(used.ID); got.Status != "PAIRED" || got.PairDate != pairedAt {
		t.Fatalf("the used key's engine changed: %+v", got)
	}
	// The regenerated key still works.
	if code, out := c.pair(filepath.Join(t.TempDir(), "regen"), fresh.PreAuthorizedKey); code != 0 {
		t.Fatalf("fresh key refused: exit %d: %s", code, out)
	}
}

// Deleting an engine closes its live session; its agent exits (status 3,
// so systemd does not restart it) and cannot reconnect.
func TestDeletedEngineCannotReconnect(t *testing.T) {
	c := engStartServer(t, "1s", "3s")
	e := c.createEngine("doomed", 0)
	dir := filepath.Join(t.TempDir(), "doomed")
	if code, out := c.pair(dir, e.PreAuthorizedKey); code != 0 {
		t.Fatalf("pair: exit %d: %s", code, out)
	}
	agent := c.run(dir)
	engEventually(t, 2*time.Second, "AVAILABLE", func() bool { return c.engine(e.ID).Availability == "AVAILABLE" })
	if code := c.call("DELETE", "/processing/runtimes/remote-engines/"+e.ID, nil, nil); code != 204 {
		t.Fatalf("delete: status %d", code)
	}
	if code := agent.exitCode(2 * time.Second); code != 3 {
		t.Fatalf("agent of a deleted engine: exit %d within 2s, want 3\n%s", code, agent.out.String())
	}
	again := c.run(dir)
	if code := again.exitCode(5 * time.Second); code != 3 {
		t.Fatalf("reconnect of a deleted engine: exit %d, want 3", code)
	}
	if !strings.Contains(again.out.String(), "deleted or unpaired") {
		t.Fatalf("no clear message: %s", again.out.String())
	}
}
