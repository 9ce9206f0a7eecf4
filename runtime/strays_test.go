//go:build linux

package runtime

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// An agent killed while it spawned a plugin leaves the plugin running in a
// workload directory without a record. The next agent must stop it (and
// what it started) before it removes the directory: otherwise the process
// runs on, orphaned, in a deleted directory.
func TestUnrecordedWorkloadProcessesAreKilled(t *testing.T) {
	state := shortTempDir(t)
	dir := filepath.Join(state, "workloads", "mid-spawn")
	work := filepath.Join(dir, workSubdir)
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	mark := marker()
	var procs []*exec.Cmd
	for _, cwd := range []string{dir, work} {
		p := exec.Command(os.Args[0], "rh-sleep", mark)
		p.Dir, p.SysProcAttr = cwd, &syscall.SysProcAttr{Setpgid: true}
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Process.Kill(); _ = p.Wait() })
		procs = append(procs, p)
	}
	bystander := exec.Command(os.Args[0], "rh-sleep", mark)
	bystander.Dir = state
	if err := bystander.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bystander.Process.Kill(); _ = bystander.Wait() })

	s, err := New(Config{StateDir: state, PluginCommand: testPluginCommand, Logger: quietLogger(), WarmPlugins: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range procs {
		ended := make(chan error, 1)
		go func() { ended <- p.Wait() }()
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Fatalf("pid %d, working in a workload directory without a record, still runs", p.Process.Pid)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the workload directory without a record is still there: %v", err)
	}
	if err := bystander.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process working outside the workload directory was killed: %v", err)
	}
}
