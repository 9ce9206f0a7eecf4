package agent

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/agent/link"
)

// logBuffer is a slog destination safe for the agent's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// An agent the control plane no longer supports says what to do in its
// log and status, keeps retrying with its back-off, and is back as soon as
// the control plane serves it again.
func TestUnsupportedAgentSaysToUpgradeAndKeepsRetrying(t *testing.T) {
	s := newFakeServer(t, time.Hour)
	store := pairWithFake(t, s)
	s.setUnsupported("roundhouse-engine test is no longer supported (minimum 1.4.0): upgrade roundhouse-engine on this host")
	logs := &logBuffer{}
	_, done, _ := runAgentLogging(t, store, slog.New(slog.NewTextHandler(logs, nil)))

	waitFor(t, 3*time.Second, "three refused attempts", func() bool { return s.refusals() >= 3 })
	select {
	case err := <-done:
		t.Fatalf("agent stopped on an unsupported version: %v", err)
	default:
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "upgrade roundhouse-engine on this host and restart it") ||
		!strings.Contains(l, "minimum 1.4.0") {
		t.Fatalf("log does not say what to do:\n%s", l)
	}
	st, ok, err := link.ReadStatus(store.Dir)
	if err != nil || !ok || st.Connected || !strings.Contains(st.LastError, "upgrade roundhouse-engine") || !strings.Contains(st.LastError, "minimum 1.4.0") {
		t.Fatalf("status %+v (%v): want the last error to say to upgrade", st, err)
	}

	s.setUnsupported("")
	waitFor(t, 3*time.Second, "heartbeats once served again", func() bool { b, _ := s.counts(); return b >= 2 })
}
