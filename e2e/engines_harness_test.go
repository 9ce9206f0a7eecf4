package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
	"github.com/roundhouse/roundhouse/internal/testnet"
)

// engBuild returns the binaries TestMain built.
func engBuild(t *testing.T) (server, agent string) {
	t.Helper()
	return bins.Server, bins.Engine
}

// engFreeTCP and engFreeUDP draw a loopback port outside the kernel's
// ephemeral range (testnet): a port the kernel just handed out for ":0"
// and that was closed again can be handed out again at once, so a node's
// HTTP and raft addresses once came out the same.
func engFreeTCP(t *testing.T) string {
	t.Helper()
	addr, err := testnet.Addr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func engFreeUDP(t *testing.T) string { return engFreeTCP(t) }

// engProc is a started process with its output captured.
type engProc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func engStart(t *testing.T, env []string, bin string, args ...string) *engProc {
	t.Helper()
	p := &engProc{cmd: exec.Command(bin, args...), out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.Env = append(append(os.Environ(), "QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING=true"), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s %v output:\n%s", filepath.Base(bin), args, p.out.String())
		}
	})
	return p
}

func (p *engProc) kill9() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// exitCode waits up to d for the process to exit; -1 if it did not.
func (p *engProc) exitCode(d time.Duration) int {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		return -1
	}
}

// engCluster is one control-plane node started as a process.
type engCluster struct {
	nodeID        string
	t             *testing.T
	http, quic    string
	token, agent  string
	proc          *engProc
	environmentID string
	dataDir       string
}

func engStartServer(t *testing.T, interval, timeout string) *engCluster {
	t.Helper()
	return engStartNode(t, interval, timeout, "")
}

// engStartNode starts a node; join is the HTTP address of a member to
// join, or "" to bootstrap a new cluster.
func engStartNode(t *testing.T, interval, timeout, join string) *engCluster {
	t.Helper()
	return engStartNodeArgs(t, interval, timeout, join)
}

// engStartNodeArgs is engStartNode with extra server flags.
func engStartNodeArgs(t *testing.T, interval, timeout, join string, extra ...string) *engCluster {
	t.Helper()
	serverBin, agentBin := engBuild(t)
	c := &engCluster{t: t, http: engFreeTCP(t), quic: engFreeUDP(t), token: "e2e-admin-token-0123456789", agent: agentBin}
	c.dataDir = filepath.Join(t.TempDir(), "cp")
	args := []string{"server", "--data-dir", c.dataDir,
		"--http-addr", c.http, "--quic-addr", c.quic, "--raft-addr", engFreeTCP(t),
		"--engine-heartbeat-interval", interval, "--engine-heartbeat-timeout", timeout, "--log-level", "warn"}
	if join != "" {
		args = append(args, "--join", join)
	}
	args = append(args, extra...)
	c.proc = engStart(t, []string{"ROUNDHOUSE_BOOTSTRAP_TOKEN=" + c.token, "ROUNDHOUSE_TOKEN=" + c.token}, serverBin, args...)
	engEventually(t, 20*time.Second, "server serves the API", func() bool {
		var envs []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if c.call("GET", "/orchestration/environments", nil, &envs) != http.StatusOK {
			return false
		}
		for _, e := range envs {
			if e.Name == "default" {
				c.environmentID = e.ID
			}
		}
		return c.environmentID != ""
	})
	return c
}

// call makes an API request and decodes the answer into out.
func (c *engCluster) call(method, path string, body, out any) int {
	status, raw, err := harness.NewClient(c.http, c.token).Do(method, path, body)
	if err != nil {
		return 0
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
	return status
}

type engView struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	Availability     string `json:"availability"`
	PreAuthorizedKey string `json:"preAuthorizedKey"`
	PairDate         string `json:"pairDate"`
}

func (c *engCluster) createEngine(name string, keyTTLSeconds int) engView {
	c.t.Helper()
	var v engView
	body := map[string]any{"name": name, "environmentId": c.environmentID}
	if keyTTLSeconds > 0 {
		body["preAuthorizedKeyTtlSeconds"] = keyTTLSeconds
	}
	if code := c.call("POST", "/processing/runtimes/remote-engines", body, &v); code != http.StatusCreated || v.PreAuthorizedKey == "" {
		c.t.Fatalf("create engine %s: status %d, %+v", name, code, v)
	}
	return v
}

func (c *engCluster) engine(id string) engView {
	var v engView
	c.call("GET", "/processing/runtimes/remote-engines/"+id, nil, &v)
	return v
}

// pair runs `roundhouse-engine pair` and returns its exit code and output.
func (c *engCluster) pair(dataDir, key string) (int, string) {
	return c.pairWith(c.quic, dataDir, key)
}

func (c *engCluster) pairWith(servers, dataDir, key string) (int, string) {
	cmd := exec.Command(c.agent, "pair", "--server", servers, "--key", key, "--data-dir", dataDir)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), strings.TrimSpace(string(out))
}

func (c *engCluster) run(dataDir string) *engProc {
	return engStart(c.t, nil, c.agent, "run", "--data-dir", dataDir, "--log-level", "warn")
}

// engEventually polls cond every 20 ms until it holds or within passes.
func engEventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}
