package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"
)

// benchToken is the bootstrap admin token of every cluster started here.
const benchToken = "rhp_bench-bootstrap-token-0123456789abcdefghijklmn"

// node is one `roundhouse server` process started by the benchmark.
type node struct {
	ID       string
	HTTPAddr string
	dataDir  string
	logPath  string
	bin      string
	args     []string
	env      []string

	cmd    *exec.Cmd
	exited chan struct{}
}

// launcher starts nodes and owns them: close kills every one it started.
type launcher struct {
	bin   string
	env   []string // extra environment of every node
	dir   string
	nodes []*node
}

func newLauncher(bin string, env []string) (*launcher, error) {
	dir, err := os.MkdirTemp("", "roundhouse-bench-cp-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	return &launcher{bin: bin, env: env, dir: dir}, nil
}

func (l *launcher) close() {
	for _, n := range l.nodes {
		n.kill()
	}
	os.RemoveAll(l.dir)
}

// cluster starts size nodes (the first bootstraps, the others join it) and
// waits until every node knows the same leader.
func (l *launcher) cluster(ctx context.Context, name string, size int) ([]*node, error) {
	first, err := l.start(ctx, fmt.Sprintf("%s-n1", name), "")
	if err != nil {
		return nil, err
	}
	nodes := []*node{first}
	if _, err := first.waitLeader(ctx, 15*time.Second); err != nil {
		return nil, err
	}
	for i := 2; i <= size; i++ {
		n, err := l.start(ctx, fmt.Sprintf("%s-n%d", name, i), first.HTTPAddr)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	// Every node, not just the leader, must list every member (the list is
	// the node's own raft configuration). Killing the leader before a
	// follower has the latest configuration can leave no electable node:
	// raft 1.7's pre-vote refuses candidates missing from the voter's
	// configuration, and the lagging follower alone is no majority.
	c := newClient(1)
	err = benchkit.WaitUntil(ctx, fmt.Sprintf("%d members in %s on every node", size, name), 30*time.Second, func() bool {
		for _, n := range nodes {
			members, err := c.at(n.HTTPAddr).Cluster().Members(ctx)
			if err != nil || len(members) != size {
				return false
			}
		}
		return true
	})
	if err != nil {
		return nil, errors.Join(err, first.logTail())
	}
	if _, err := agreedLeader(ctx, nodes, 15*time.Second); err != nil {
		return nil, err
	}
	return nodes, nil
}

// start launches one node; join is a member's HTTP address, empty to
// bootstrap a new cluster.
func (l *launcher) start(ctx context.Context, id, join string) (*node, error) {
	httpAddr, err := freeAddr("tcp")
	if err != nil {
		return nil, err
	}
	raftAddr, err := freeAddr("tcp")
	if err != nil {
		return nil, err
	}
	quicAddr, err := freeAddr("udp")
	if err != nil {
		return nil, err
	}
	n := &node{ID: id, HTTPAddr: httpAddr, bin: l.bin,
		dataDir: filepath.Join(l.dir, id), logPath: filepath.Join(l.dir, id+".log")}
	n.args = []string{"server", "--data-dir", n.dataDir, "--node-id", id, "--http-addr", httpAddr,
		"--raft-addr", raftAddr, "--quic-addr", quicAddr, "--log-level", "warn"}
	if join != "" {
		n.args = append(n.args, "--join", join)
		n.env = []string{"ROUNDHOUSE_TOKEN=" + benchToken}
	} else {
		n.env = []string{"ROUNDHOUSE_BOOTSTRAP_TOKEN=" + benchToken}
	}
	n.env = append(n.env, l.env...)
	if err := n.run(); err != nil {
		return nil, err
	}
	l.nodes = append(l.nodes, n)
	return n, nil
}

func (n *node) run() error {
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("node %s log: %w", n.ID, err)
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd := exec.Command(n.bin, n.args...)
	cmd.Env = append(os.Environ(), n.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start node %s: %w", n.ID, err)
	}
	n.cmd, n.exited = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(n.exited)
	return nil
}

// kill sends SIGKILL to the node's process group and waits for the exit.
func (n *node) kill() {
	if n.cmd == nil {
		return
	}
	select {
	case <-n.exited:
		return
	default:
	}
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
	<-n.exited
}

// restart starts the node again with the same data dir and flags.
func (n *node) restart() error {
	n.kill()
	return n.run()
}

func (n *node) pid() int { return n.cmd.Process.Pid }

// logTail returns the end of the node's log as an error, for failures.
func (n *node) logTail() error {
	raw, _ := os.ReadFile(n.logPath)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return fmt.Errorf("node %s log: %s", n.ID, strings.Join(lines, " / "))
}

func (n *node) health(ctx context.Context) (api.Health, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	h, err := benchkit.NewClient(n.HTTPAddr, "", http.DefaultClient).Health(ctx)
	if err != nil {
		return api.Health{}, fmt.Errorf("health of %s: %w", n.ID, err)
	}
	return *h, nil
}

func (n *node) waitLeader(ctx context.Context, timeout time.Duration) (string, error) {
	var leader string
	err := benchkit.WaitUntil(ctx, n.ID+" to know a leader", timeout, func() bool {
		h, err := n.health(ctx)
		leader = h.Leader
		return err == nil && leader != ""
	})
	if err != nil {
		return "", errors.Join(err, n.logTail())
	}
	return leader, nil
}

// agreedLeader waits until every node names the same leader and returns it.
func agreedLeader(ctx context.Context, nodes []*node, timeout time.Duration) (*node, error) {
	var leader *node
	err := benchkit.WaitUntil(ctx, "all nodes to agree on a leader", timeout, func() bool {
		leader = nil
		var id string
		for _, n := range nodes {
			h, err := n.health(ctx)
			if err != nil || h.Leader == "" || (id != "" && h.Leader != id) {
				return false
			}
			id = h.Leader
		}
		for _, n := range nodes {
			if n.ID == id {
				leader = n
			}
		}
		return leader != nil
	})
	return leader, err
}

// memStatus is a process's resident memory from /proc/PID/status, bytes.
type memStatus struct {
	rss, hwm   int64
	anon, file int64 // RssAnon (heap, stacks) and RssFile (mapped files: the binary, boltdb's mmap)
}

// vmRSS reads a process's resident memory from /proc.
func vmRSS(pid int) (memStatus, error) {
	var m memStatus
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, fmt.Errorf("read status of pid %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			m.rss = kb << 10
		case "VmHWM":
			m.hwm = kb << 10
		case "RssAnon":
			m.anon = kb << 10
		case "RssFile":
			m.file = kb << 10
		}
	}
	return m, nil
}

func freeAddr(network string) (string, error) {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("free UDP port: %w", err)
		}
		defer c.Close()
		return c.LocalAddr().String(), nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free TCP port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
