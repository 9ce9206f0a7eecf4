package agent

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/runtime"
)

var quiet = slog.New(slog.DiscardHandler)

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func pairWithFake(t *testing.T, s *fakeServer, servers ...string) link.Store {
	t.Helper()
	store := link.Store{Dir: filepath.Join(t.TempDir(), "data")}
	if len(servers) == 0 {
		servers = []string{s.addr()}
	}
	id, err := link.Pair(context.Background(), link.PairConfig{Servers: servers, Key: s.key(), Store: store, Timeout: 2 * time.Second, Logger: quiet})
	if err != nil {
		t.Fatalf("pair: %v", err)
	}
	if id.EngineID != "eng-1" {
		t.Fatalf("engine id %q", id.EngineID)
	}
	return store
}

func TestPairingWritesAPrivateIdentityAndFailsOverDeadServers(t *testing.T) {
	s := newFakeServer(t, time.Hour)
	store := pairWithFake(t, s, deadUDPAddr(t), s.addr())
	fi, err := os.Stat(filepath.Join(store.Dir, "identity.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity mode %v, want 0600", fi.Mode().Perm())
	}
	id, err := store.Load()
	if err != nil || id.EngineID != "eng-1" || len(id.Servers) != 2 {
		t.Fatalf("loaded %+v, %v", id, err)
	}
	if _, err := link.Pair(context.Background(), link.PairConfig{Servers: []string{s.addr()}, Key: s.key(), Store: store, Logger: quiet}); err == nil ||
		!strings.Contains(err.Error(), "already holds engine") {
		t.Fatalf("pairing a paired data dir: %v", err)
	}
}

func TestPairingRefusesAServerOfAnotherCluster(t *testing.T) {
	s := newFakeServer(t, time.Hour)
	other, _ := protocol.NewPairKey([32]byte{9}) // a key for another CA
	store := link.Store{Dir: filepath.Join(t.TempDir(), "data")}
	_, err := link.Pair(context.Background(), link.PairConfig{Servers: []string{s.addr()}, Key: other.String(), Store: store, Timeout: 2 * time.Second, Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "CA fingerprint mismatch") {
		t.Fatalf("got %v, want a CA mismatch", err)
	}
	if _, err := store.Load(); !errors.Is(err, link.ErrNotPaired) {
		t.Fatal("a refused pairing left an identity")
	}
}

func runAgent(t *testing.T, store link.Store) (*Agent, chan error, context.CancelFunc) {
	t.Helper()
	return runAgentLogging(t, store, quiet)
}

func runAgentLogging(t *testing.T, store link.Store, log *slog.Logger) (*Agent, chan error, context.CancelFunc) {
	t.Helper()
	a, err := New(Config{Store: store, Version: "test", Logger: log, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		// No plugin runs here: the test binary must never re-execute itself.
		Runtime: runtime.Config{StateDir: filepath.Join(store.Dir, "rt"), WarmPlugins: -1, Cgroups: runtime.CgroupsOff, PluginCommand: func(string) []string { return []string{"/bin/false"} }}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return a, done, cancel
}

func TestAgentHeartbeatsAtThePushedIntervalAndRenewsItsCertificate(t *testing.T) {
	s := newFakeServer(t, 3*time.Second) // renew when 1 s is left
	store := pairWithFake(t, s)
	first, _ := store.Load()
	runAgent(t, store)
	waitFor(t, 10*time.Second, "10 heartbeats at 50 ms", func() bool { b, _ := s.counts(); return b >= 10 })
	waitFor(t, 5*time.Second, "a renewal over the live session", func() bool { _, r := s.counts(); return r >= 1 })
	waitFor(t, time.Second, "renewed identity saved", func() bool {
		id, err := store.Load()
		return err == nil && id.Cert.SerialNumber.Cmp(first.Cert.SerialNumber) != 0 && !id.Key.Equal(first.Key)
	})
	if id, _ := store.Load(); !slices.Equal(id.Servers, []string{s.addr(), "cp2.example:7443"}) {
		t.Fatalf("servers after the welcome: %v, want the paired one then the learned one", id.Servers)
	}
	st, ok, err := link.ReadStatus(store.Dir)
	if err != nil || !ok || !st.Connected || st.PID != os.Getpid() {
		t.Fatalf("status %+v %v %v", st, ok, err)
	}
}

func TestAgentReconnectsAfterShutdownButStopsWhenRevoked(t *testing.T) {
	s := newFakeServer(t, time.Hour)
	store := pairWithFake(t, s)
	_, done, _ := runAgent(t, store)
	waitFor(t, 10*time.Second, "first heartbeat", func() bool { b, _ := s.counts(); return b >= 1 })

	s.closeAll(protocol.CloseShutdown)
	before, _ := s.counts()
	waitFor(t, 10*time.Second, "heartbeats after reconnecting", func() bool { b, _ := s.counts(); return b > before+3 })

	s.closeAll(protocol.CloseRevoked)
	select {
	case err := <-done:
		if !errors.Is(err, link.ErrRevoked) {
			t.Fatalf("run ended with %v, want ErrRevoked", err)
		}
		done <- nil // for the cleanup
	case <-time.After(2 * time.Second):
		t.Fatal("agent kept running after revocation")
	}
}

// Workloads run in their own working directories, so a relative data dir
// (the default) must reach them as an absolute artifact path.
func TestRelativeDataDirGivesAbsoluteArtifactPaths(t *testing.T) {
	s := newFakeServer(t, time.Hour)
	store := pairWithFake(t, s)
	t.Chdir(filepath.Dir(store.Dir))
	a, err := New(Config{Store: link.Store{Dir: filepath.Base(store.Dir)}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(a.cfg.ArtifactDir) || filepath.Dir(a.cfg.ArtifactDir) != store.Dir {
		t.Fatalf("artifact dir %q, want an absolute path under %s", a.cfg.ArtifactDir, store.Dir)
	}
}
