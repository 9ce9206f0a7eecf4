package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/internal/testnet"
)

// Process is one started binary with its captured output.
type Process struct {
	t    testing.TB
	name string
	args []string
	env  []string
	bin  string

	mu  sync.Mutex
	cmd *exec.Cmd
	log *bytes.Buffer
	// exited is closed when the current run ends.
	exited chan struct{}
}

// Start runs bin with args; the process is killed when the test ends and
// its output printed if the test failed.
func Start(t testing.TB, name, bin string, env []string, args ...string) *Process {
	t.Helper()
	p := &Process{t: t, name: name, bin: bin, args: args, env: env, log: &bytes.Buffer{}}
	p.start()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("---- %s output ----\n%s", p.name, p.Output())
		}
	})
	return p
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (p *Process) start() {
	p.t.Helper()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	w := lockedWriter{mu: &p.mu, w: p.log}
	cmd.Stdout, cmd.Stderr = w, w
	// Own process group: Kill takes children (plugins) along.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	fmt.Fprintf(w, "==== start %s %v\n", p.name, p.args)
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p.mu.Lock()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()
}

// Kill sends SIGKILL to the process group and waits for the exit.
func (p *Process) Kill() { p.signal(syscall.SIGKILL) }

// Stop sends SIGTERM and waits for a graceful exit (SIGKILL after 10 s).
func (p *Process) Stop() {
	p.signal(syscall.SIGTERM)
}

func (p *Process) signal(sig syscall.Signal) {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	select {
	case <-exited:
		return
	default:
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

// Restart starts the process again with the same arguments.
func (p *Process) Restart() {
	p.t.Helper()
	p.Kill()
	p.start()
}

// RestartWithEnv starts the process again with the same arguments and env
// as the only additions to this process's environment.
func (p *Process) RestartWithEnv(env []string) {
	p.t.Helper()
	p.Kill()
	p.env = env
	p.start()
}

// Exited reports whether the current run has ended.
func (p *Process) Exited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// ExitCode is the exit code once Exited (-1 if killed by a signal).
func (p *Process) ExitCode() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd.ProcessState == nil {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// Output returns everything the process printed so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// FreePort returns a port free on 127.0.0.1 right now, chosen below the
// ephemeral range so that no other socket's port-0 bind takes it first.
func FreePort(t testing.TB) int {
	t.Helper()
	p, err := testnet.Port()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FreeUDPPort returns a UDP port free on 127.0.0.1 right now (see FreePort).
func FreeUDPPort(t testing.TB) int { return FreePort(t) }

// WaitFor polls cond every 20 ms until it is true or timeout passes.
func WaitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Pause stops the process group with SIGSTOP (it holds its sockets and
// answers nothing); Resume continues it. Kill works on a paused process.
func (p *Process) Pause() { p.send(syscall.SIGSTOP) }

// Resume continues a paused process group (SIGCONT).
func (p *Process) Resume() { p.send(syscall.SIGCONT) }

func (p *Process) send(sig syscall.Signal) {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd != nil && cmd.Process != nil && !p.Exited() {
		_ = syscall.Kill(-cmd.Process.Pid, sig)
	}
}
