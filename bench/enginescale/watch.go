package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/api"
)

// downWatch counts engines marked NOT_AVAILABLE from the first kill on,
// two ways: every ENGINE_UNAVAILABLE notification the cluster sends to a
// webhook subscription made just before (exact: each transition to
// NOT_AVAILABLE queues one), and the NOT_AVAILABLE count polled from the
// leader's replica every 2 s (a cross-check that needs no delivery).
type downWatch struct {
	srv *http.Server

	mu      sync.Mutex
	engines map[string]bool // engines notified ENGINE_UNAVAILABLE
	sampled int             // most NOT_AVAILABLE at once, beyond before
}

// watchDowns subscribes the admin to ENGINE_UNAVAILABLE on a webhook served
// here.
func (c *cluster) watchDowns(ctx context.Context) (*downWatch, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &downWatch{engines: map[string]bool{}}
	w.srv = &http.Server{Handler: http.HandlerFunc(w.receive), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = w.srv.Serve(ln) }()
	sub := api.SubscriptionCreate{Events: []string{"ENGINE_UNAVAILABLE"}, URL: "http://" + ln.Addr().String() + "/unavailable"}
	if _, err := c.api(c.nodes[0]).EngineSubscriptions().Create(ctx, sub); err != nil {
		w.close()
		return nil, fmt.Errorf("subscribe to engine notifications: %w", err)
	}
	return w, nil
}

func (w *downWatch) receive(rw http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var ev struct {
		Event    string `json:"event"`
		EngineID string `json:"engineId"`
	}
	if json.Unmarshal(raw, &ev) == nil && ev.Event == "ENGINE_UNAVAILABLE" {
		w.mu.Lock()
		w.engines[ev.EngineID] = true
		w.mu.Unlock()
	}
	rw.WriteHeader(http.StatusNoContent)
}

// poll samples the leader's NOT_AVAILABLE count every 2 s until ctx ends.
func (w *downWatch) poll(ctx context.Context, c *cluster, before int) {
	for ctx.Err() == nil {
		if l := c.currentLeader(ctx); l != nil {
			if n := c.notAvailable(ctx, l); n >= 0 {
				w.mu.Lock()
				w.sampled = max(w.sampled, n-before)
				w.mu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

// counts returns the engines notified unavailable and the sampled peak.
func (w *downWatch) counts() (notified, sampled int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.engines), w.sampled
}

func (w *downWatch) close() { _ = w.srv.Close() }

// currentLeader is the live node a live node names as leader (nil: none
// known now).
func (c *cluster) currentLeader(ctx context.Context) *node {
	for _, n := range c.nodes {
		if !n.alive() {
			continue
		}
		h, err := c.api(n).Health(ctx)
		if err != nil || h.Leader == "" {
			continue
		}
		for _, l := range c.nodes {
			if l.ID == h.Leader && l.alive() {
				return l
			}
		}
	}
	return nil
}
