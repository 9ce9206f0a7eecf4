package engines

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// ForwardPathPrefix is where ForwardHandler is mounted on every node.
const ForwardPathPrefix = "/internal/engines/"

const forwardSecretHeader = "X-Roundhouse-Link-Secret"

// heartbeatBatch is a forwarded batch on the wire. Every engine heard is in
// EngineIDs, even those with a summary, so a leader that does not know
// Summaries still sees every beat.
type heartbeatBatch struct {
	EngineIDs []string                    `json:"engineIds"`
	Summaries map[string]forwardedSummary `json:"summaries,omitempty"`
}

// forwardedSummary is a protocol.HostSummary with one-letter names: one
// rides along with about one beat in five at the default intervals, and
// the batches should not grow much for it.
type forwardedSummary struct {
	CPUPercent    float64 `json:"c"`
	MemoryPercent float64 `json:"m"`
	DiskFreeBytes uint64  `json:"d"`
	RunningWork   int     `json:"w"`
}

func encodeBatch(b enginelink.HeartbeatBatch) heartbeatBatch {
	out := heartbeatBatch{EngineIDs: b.EngineIDs}
	if len(b.Summaries) > 0 {
		out.Summaries = make(map[string]forwardedSummary, len(b.Summaries))
		for id, s := range b.Summaries {
			out.Summaries[id] = forwardedSummary(s)
		}
	}
	return out
}

// forwardToLeader sends a follower's batch of heartbeats to the leader.
func (l *Link) forwardToLeader(ctx context.Context, b enginelink.HeartbeatBatch) error {
	_, addr := l.node.Leader()
	if addr == "" {
		return errNoLeader
	}
	secrets := state.EngineLink(l.node.Read())
	if secrets == nil {
		return errNoLeader
	}
	body, _ := json.Marshal(encodeBatch(b))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+ForwardPathPrefix+"heartbeats", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set(forwardSecretHeader, secrets.ForwardSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return fmt.Errorf("forward heartbeats to %s: %w", addr, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("forward heartbeats to %s: %s", addr, resp.Status)
	}
	return nil
}

// ForwardHandler takes heartbeat batches from followers (on the leader).
func (l *Link) ForwardHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secrets := state.EngineLink(l.node.Read())
		got := r.Header.Get(forwardSecretHeader)
		if secrets == nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secrets.ForwardSecret)) != 1 {
			http.Error(w, "link authentication failed", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != ForwardPathPrefix+"heartbeats" {
			http.NotFound(w, r)
			return
		}
		if !l.monitor.Running() {
			http.Error(w, "not the leader", http.StatusServiceUnavailable)
			return
		}
		var b heartbeatBatch
		if err := json.NewDecoder(io.LimitReader(r.Body, 8<<20)).Decode(&b); err != nil {
			http.Error(w, "bad batch", http.StatusBadRequest)
			return
		}
		for _, id := range b.EngineIDs {
			l.monitor.Heartbeat(id)
		}
		for id, s := range b.Summaries {
			l.monitor.HostSummary(id, protocol.HostSummary(s))
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
