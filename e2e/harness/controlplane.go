package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/api"
)

// Node is one `roundhouse server` process.
type Node struct {
	*Process
	ID       string
	DataDir  string
	HTTPAddr string
	RaftAddr string
	QUICAddr string
}

// NodeOptions tune StartNode.
type NodeOptions struct {
	// Join is the HTTP address of a member; empty bootstraps.
	Join string
	// Token is the bootstrap token (first node) or the join token.
	Token string
	// Args are extra flags.
	Args []string
	// Net and Host place the node in host Host (1-based) of a namespace
	// topology, on that host's address with the default ports.
	Net  *Net
	Host int
}

// StartNode starts a control-plane node in dir with free ports.
func StartNode(t testing.TB, bins Binaries, id, dir string, o NodeOptions) *Node {
	t.Helper()
	n := &Node{ID: id, DataDir: dir,
		HTTPAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		RaftAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		QUICAddr: fmt.Sprintf("127.0.0.1:%d", FreeUDPPort(t))}
	if o.Net != nil {
		host := o.Net.Addr(o.Host)
		n.HTTPAddr, n.RaftAddr, n.QUICAddr = host+":8080", host+":7000", host+":7443"
	}
	args := []string{"server", "--data-dir", dir, "--node-id", id, "--http-addr", n.HTTPAddr,
		"--raft-addr", n.RaftAddr, "--quic-addr", n.QUICAddr, "--log-level", "warn"}
	var env []string
	if o.Join != "" {
		args = append(args, "--join", o.Join)
		env = append(env, "ROUNDHOUSE_TOKEN="+o.Token)
	} else if o.Token != "" {
		env = append(env, "ROUNDHOUSE_BOOTSTRAP_TOKEN="+o.Token)
	}
	args = append(args, o.Args...)
	bin := bins.Server
	if o.Net != nil {
		bin, args = o.Net.Wrap(o.Host, bin, args...)
	}
	n.Process = Start(t, "node "+id, bin, env, args...)
	return n
}

// Health is GET /health.
type Health struct {
	NodeID string `json:"nodeId"`
	Leader string `json:"leader"`
	State  string `json:"state"`
}

// Health returns the node's /health answer, or an error if it does not serve.
func (n *Node) Health() (Health, error) {
	var h Health
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + n.HTTPAddr + "/health")
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return h, fmt.Errorf("health: %d", resp.StatusCode)
	}
	return h, json.NewDecoder(resp.Body).Decode(&h)
}

// WaitLeader waits until the node serves and knows a leader.
func (n *Node) WaitLeader(t testing.TB, timeout time.Duration) Health {
	t.Helper()
	var h Health
	WaitFor(t, n.ID+" to know a leader", timeout, func() bool {
		var err error
		h, err = n.Health()
		return err == nil && h.Leader != ""
	})
	return h
}

// WaitReady waits until the node answers an authenticated call with
// token: it has a leader and has applied the cluster's bootstrap.
func (n *Node) WaitReady(t testing.TB, token string, timeout time.Duration) {
	t.Helper()
	c := NewClient(n.HTTPAddr, token)
	WaitFor(t, n.ID+" ready", timeout, func() bool {
		status, _, err := c.Do("GET", "/account/me", nil)
		return err == nil && status == http.StatusOK
	})
}

// BootstrapToken reads the token the first node wrote.
func (n *Node) BootstrapToken(t testing.TB) string {
	t.Helper()
	var tok string
	WaitFor(t, "bootstrap token file", 10*time.Second, func() bool {
		raw, err := os.ReadFile(filepath.Join(n.DataDir, "bootstrap-token"))
		tok = strings.TrimSpace(string(raw))
		return err == nil && tok != ""
	})
	return tok
}

// Client calls one node's API with a token through the api package,
// each call sent once: tests see every answer as the node gave it.
type Client struct {
	Addr, Token string
	HTTP        *http.Client
}

// NewClient returns a client for addr (HOST:PORT).
func NewClient(addr, token string) *Client {
	return &Client{Addr: addr, Token: token, HTTP: &http.Client{Timeout: 15 * time.Second}}
}

// API is the typed client c's calls go through.
func (c *Client) API() *api.Client {
	a, err := api.New(api.Config{Address: c.Addr, Token: c.Token, HTTPClient: c.HTTP})
	if err != nil {
		panic(fmt.Sprintf("harness: %v", err)) // addresses come from started nodes
	}
	return a.WithRetry(api.NoRetry())
}

// Do sends a JSON request; it returns the status and the raw body.
func (c *Client) Do(method, path string, body any) (int, []byte, error) {
	return c.API().Exchange(context.Background(), method, path, "", body)
}

// JSON sends a request and decodes a 2xx answer into out; other statuses
// are errors carrying the body.
func (c *Client) JSON(method, path string, body, out any) error {
	status, raw, err := c.Do(method, path, body)
	if err != nil {
		return err
	}
	if status >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, status, raw)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}
