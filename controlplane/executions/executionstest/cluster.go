package executionstest

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/internal/testnet"
)

// Node is one control-plane node of an in-process test cluster.
type Node struct {
	*controlplane.Server
	URL  string
	stop func()
}

// Stop shuts the node down (its leadership, if any, moves on).
func (n *Node) Stop() { n.stop() }

// TB is the part of testing.TB StartCluster uses, so benchmark programs
// can run clusters too.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	TempDir() string
	Cleanup(func())
}

// StartCluster runs size real control-plane nodes in process, the first
// bootstrapping with token and the others joining it, all with the same
// executions config; it returns once every node serves token.
func StartCluster(t TB, size int, token string, ec executions.Config) []*Node {
	t.Helper()
	var nodes []*Node
	for i := 0; i < size; i++ {
		cfg := controlplane.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", QUICAddr: free(t, "udp"), RaftAddr: free(t, "tcp"),
			Executions: ec, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Raft: cluster.Config{HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond}}
		if i == 0 {
			cfg.BootstrapToken = token
		} else {
			cfg.Join, cfg.JoinToken = nodes[0].Addr(), token
		}
		srv, err := controlplane.New(cfg)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = srv.Run(ctx) }()
		stopped := false
		n := &Node{Server: srv, URL: "http://" + srv.Addr(), stop: func() {
			if !stopped {
				stopped = true
				cancel()
				<-done
			}
		}}
		t.Cleanup(n.Stop)
		waitServing(t, n.URL, token)
		nodes = append(nodes, n)
	}
	return nodes
}

func waitServing(t TB, url, token string) {
	t.Helper()
	c, err := api.New(api.Config{Address: url, Token: token})
	if err != nil {
		t.Fatalf("%v", err)
	}
	c = c.WithRetry(api.NoRetry())
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := c.Me(context.Background()); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("node %s did not serve in time", url)
}

// free returns a loopback address whose port is free for TCP and UDP
// (testnet: below the ephemeral range, so no port-0 bind can take it).
func free(t TB, _ string) string {
	t.Helper()
	addr, err := testnet.Addr()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return addr
}
