//go:build unix

package runtime

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// startGroup starts `sleep` as the leader of its own process group, as a
// plugin is started, and reaps it when the test ends.
func startGroup(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// awaitExit waits for cmd to exit, failing after a deadline.
func awaitExit(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("process still running 10s after killGroup")
	}
}

func TestProcIdentity(t *testing.T) {
	tests := []struct {
		name     string
		identity func(id procIdentity) procIdentity
		alive    bool
		killed   bool
	}{
		{"the very process", func(id procIdentity) procIdentity { return id }, true, true},
		// A recycled pid: same number, another start time. Never signalled.
		{"recycled pid", func(id procIdentity) procIdentity { id.Start++; return id }, false, false},
		{"no pid", func(procIdentity) procIdentity { return procIdentity{} }, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := startGroup(t)
			real, err := identify(cmd.Process.Pid)
			if err != nil {
				t.Fatal(err)
			}
			id := tt.identity(real)
			if got := id.alive(); got != tt.alive {
				t.Fatalf("alive() = %t, want %t", got, tt.alive)
			}
			if err := id.killGroup(); err != nil {
				t.Fatalf("killGroup: %v", err)
			}
			if tt.killed {
				awaitExit(t, cmd)
				if real.alive() {
					t.Error("killed process still reported alive")
				}
				return
			}
			if !real.alive() {
				t.Error("killGroup of a stale identity killed the process")
			}
		})
	}
}

func TestIdentifyMissingPid(t *testing.T) {
	cmd := startGroup(t)
	pid := cmd.Process.Pid
	_ = cmd.Process.Kill()
	awaitExit(t, cmd)
	if _, err := identify(pid); err == nil {
		t.Errorf("identify of reaped pid %d succeeded", pid)
	}
}
