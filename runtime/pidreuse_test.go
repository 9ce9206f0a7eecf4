//go:build linux

package runtime

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// A record whose pid now belongs to another process (same pid, other
// start time) must be reported LOST and that process left alone.
func TestRecycledPidIsNeverAdoptedNorKilled(t *testing.T) {
	mark := marker()
	stranger := exec.Command(os.Args[0], "rh-sleep", mark)
	if err := stranger.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stranger.Process.Kill(); stranger.Wait() })
	id, err := identify(stranger.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	state := shortTempDir(t)
	dir := filepath.Join(state, "workloads", "old")
	os.MkdirAll(dir, 0o700)
	rec := record{
		Kind: KindJob, Spec: Spec{ID: "old"},
		Plugin:    procIdentity{Pid: id.Pid, Start: id.Start - 1}, // the pid was recycled
		Child:     procIdentity{Pid: id.Pid, Start: id.Start - 1},
		Addr:      filepath.Join(dir, "plugin.sock"),
		StartedAt: time.Now().Add(-time.Hour),
	}
	if err := writeJSON(filepath.Join(dir, recordFile), rec); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{StateDir: state, PluginCommand: testPluginCommand, Logger: quietLogger(), WarmPlugins: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list := s.List()
	if len(list) != 1 || list[0].State != StateExited || list[0].Result == nil || list[0].Result.Status != StatusLost {
		t.Fatalf("after restart: %+v", list)
	}
	if !id.alive() {
		t.Fatal("the process now holding the recorded pid was killed")
	}
}
