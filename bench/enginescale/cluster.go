package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"
)

// adminToken is the bootstrap admin token of the cluster started here.
const adminToken = "rhp_bench-bootstrap-token-0123456789abcdefghijklmn"

// node is one `roundhouse server` process; restart runs it again with
// the same arguments and data dir.
type node struct {
	ID, HTTPAddr, QUICAddr string
	logPath                string
	bin                    string
	args, env              []string

	mu     sync.Mutex // the current run, replaced by restart
	cmd    *exec.Cmd
	exited chan struct{}
}

// cluster owns the nodes it started: close kills every one.
type cluster struct {
	dir   string
	keep  bool // leave the data dirs and logs for a post-mortem
	nodes []*node
	http  *http.Client
}

// startCluster starts size nodes (the first bootstraps, the others join)
// and waits until every node names the same leader.
func startCluster(ctx context.Context, o options) (*cluster, error) {
	dir, err := os.MkdirTemp("", "roundhouse-bench-enginescale-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, keep: o.keep, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	for i := 1; i <= o.nodes; i++ {
		join := ""
		if i > 1 {
			join = c.nodes[0].HTTPAddr
		}
		n, err := c.start(o, fmt.Sprintf("n%d", i), join)
		if err != nil {
			c.close()
			return nil, err
		}
		if i == 1 {
			if _, err := c.leader(ctx, 20*time.Second); err != nil {
				c.close()
				return nil, err
			}
		}
		_ = n
	}
	err = benchkit.WaitUntil(ctx, fmt.Sprintf("%d members", o.nodes), 60*time.Second, func() bool {
		members, err := c.api(c.nodes[0]).Cluster().Members(ctx)
		return err == nil && len(members) == o.nodes
	})
	if err == nil {
		_, err = c.leader(ctx, 20*time.Second)
	}
	if err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

func (c *cluster) start(o options, id, join string) (*node, error) {
	n := &node{ID: id, HTTPAddr: benchkit.FreeAddr("tcp"), QUICAddr: benchkit.FreeAddr("udp"), logPath: filepath.Join(c.dir, id+".log")}
	args := []string{"server", "--data-dir", filepath.Join(c.dir, id), "--node-id", id,
		"--http-addr", n.HTTPAddr, "--raft-addr", benchkit.FreeAddr("tcp"), "--quic-addr", n.QUICAddr, "--log-level", "warn",
		"--engine-heartbeat-interval", o.interval.String(), "--engine-heartbeat-timeout", o.timeout.String()}
	args = append(args, o.nodeArgs...)
	env := append(os.Environ(), o.nodeEnv...)
	if join != "" {
		args = append(args, "--join", join)
		env = append(env, "ROUNDHOUSE_TOKEN="+adminToken)
	} else {
		env = append(env, "ROUNDHOUSE_BOOTSTRAP_TOKEN="+adminToken)
	}
	n.bin, n.args, n.env = o.bin, args, env
	if err := n.launch(); err != nil {
		return nil, err
	}
	c.nodes = append(c.nodes, n)
	return n, nil
}

// launch starts the node's process, appending to its log.
func (n *node) launch() error {
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd := exec.Command(n.bin, n.args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = n.env, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start node %s: %w", n.ID, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	n.mu.Lock()
	n.cmd, n.exited = cmd, exited
	n.mu.Unlock()
	return nil
}

// run is the node's current process and its exit signal.
func (n *node) run() (*exec.Cmd, <-chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd, n.exited
}

// pid is the node's current process ID.
func (n *node) pid() int {
	cmd, _ := n.run()
	return cmd.Process.Pid
}

// restart starts a killed node again over its data dir.
func (n *node) restart() error {
	if n.alive() {
		return fmt.Errorf("restart node %s: still running", n.ID)
	}
	return n.launch()
}

// kill sends SIGKILL to the node's process group and waits for its exit.
func (n *node) kill() {
	cmd, exited := n.run()
	select {
	case <-exited:
		return
	default:
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exited
}

func (n *node) alive() bool {
	_, exited := n.run()
	select {
	case <-exited:
		return false
	default:
		return true
	}
}

func (c *cluster) close() {
	for _, n := range c.nodes {
		n.kill()
	}
	if c.keep {
		fmt.Fprintln(os.Stderr, "enginescale: data dirs and node logs kept in", c.dir)
		return
	}
	_ = os.RemoveAll(c.dir)
}

// stepDowns counts the raft leaders that stepped down for want of a quorum
// (every node's log so far): each costs an election, re-armed heartbeat
// timers and retried writes.
func (c *cluster) stepDowns() int {
	n := 0
	for _, nd := range c.nodes {
		raw, _ := os.ReadFile(nd.logPath)
		n += strings.Count(string(raw), "failed to contact quorum of nodes, stepping down")
	}
	return n
}

// logTail is the end of a node's log, for errors.
func (n *node) logTail() string {
	raw, _ := os.ReadFile(n.logPath)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], " / ")
}

// leader waits until every live node names the same leader and returns it.
func (c *cluster) leader(ctx context.Context, timeout time.Duration) (*node, error) {
	var leader *node
	err := benchkit.WaitUntil(ctx, "the nodes to agree on a leader", timeout, func() bool {
		leader = nil
		id := ""
		for _, n := range c.nodes {
			if !n.alive() {
				continue
			}
			h, err := c.api(n).Health(ctx)
			if err != nil || h.Leader == "" || (id != "" && h.Leader != id) {
				return false
			}
			id = h.Leader
		}
		for _, n := range c.nodes {
			if n.ID == id && n.alive() {
				leader = n
			}
		}
		return leader != nil
	})
	return leader, err
}

// api is node n's API as the administrator, each call sent once.
func (c *cluster) api(n *node) *api.Client { return benchkit.NewClient(n.HTTPAddr, adminToken, c.http) }

// metrics reads a few Go runtime gauges from a node's /metrics.
func (c *cluster) metrics(ctx context.Context, n *node) map[string]float64 {
	out := map[string]float64{}
	body, err := c.api(n).Metrics(ctx)
	if err != nil {
		return out
	}
	defer body.Close()
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		switch name {
		case "go_goroutines", "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_memstats_heap_alloc_bytes":
			if ok {
				out[name], _ = strconv.ParseFloat(val, 64)
			}
		}
	}
	return out
}
