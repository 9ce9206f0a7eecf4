package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/internal/testnet"
)

// failures counts the requests that got no answer.
type failures struct {
	n     atomic.Int32
	first chan struct{}
}

func (f *failures) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil && f.n.Add(1) == 1 {
		close(f.first)
	}
	return resp, err
}

// A read sent while the node is down is retried and answered once the
// node is back; NoRetry gives up at once.
func TestReadsRideOutANodeRestart(t *testing.T) {
	addr := func() string {
		a, err := testnet.Addr()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cfg := controlplane.Config{DataDir: t.TempDir(), HTTPAddr: addr(), QUICAddr: addr(), RaftAddr: addr(),
		BootstrapToken: cptest.AdminToken, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Raft: cluster.Config{HeartbeatTimeout: 200 * time.Millisecond, ElectionTimeout: 200 * time.Millisecond}}
	_, stop := cptest.Boot(t, cfg)
	seen := &failures{first: make(chan struct{})}
	c, err := api.New(api.Config{Address: cfg.HTTPAddr, Token: cptest.AdminToken, HTTPClient: &http.Client{Transport: seen},
		Retry: &api.RetryPolicy{Attempts: 100, First: 20 * time.Millisecond, Max: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctx(t)
	if _, err := c.Environments().List(ctx, ""); err != nil {
		t.Fatal(err)
	}
	stop()
	once, err := api.New(api.Config{Address: cfg.HTTPAddr, Token: cptest.AdminToken})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := once.WithRetry(api.NoRetry()).Environments().List(ctx, ""); err == nil || api.StatusCode(err) != 0 {
		t.Fatalf("NoRetry while the node is down: %v, want a connection error", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Environments().List(ctx, "default")
		done <- err
	}()
	<-seen.first // a retried attempt has failed; now bring the node back
	cptest.Boot(t, cfg)
	if err := <-done; err != nil {
		t.Fatalf("read across the restart: %v", err)
	}
}
