//go:build linux

package runtime

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/protocol/artifact"
)

func TestBadInputFailsCleanly(t *testing.T) {
	mark := marker()
	tests := []struct {
		name   string
		plugin []string // PluginCommand result; nil: the test binary's built-ins
		spec   Spec
		want   string
	}{
		{"missing entrypoint file", nil, Spec{Entrypoint: []string{"./nope.sh"}, ArtifactDir: "/nonexistent"}, "missing entrypoint"},
		{"entrypoint command not found", nil, Spec{Entrypoint: []string{"/nonexistent/" + mark}}, "no such file or directory"},
		{"plugin crashes at start", self("rh-crash", mark), Spec{Entrypoint: []string{"true"}}, "boom: plugin crashed at start"},
		{"plugin speaks the wrong handshake", self("rh-badshake", mark), Spec{Entrypoint: []string{"true"}}, "incompatible API version"},
		{"unknown built-in plugin", nil, Spec{Entrypoint: []string{"true"}, Plugin: "teleport"}, `unknown plugin "teleport"`},
		{"bad workload id", nil, Spec{Entrypoint: []string{"true"}}, "workload id"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestSupervisor(t, func(c *Config) {
				c.StartTimeout = 5 * time.Second
				if tc.plugin != nil {
					c.PluginCommand = func(string) []string { return tc.plugin }
				}
			})
			spec := tc.spec
			spec.ID = "bad" + string(rune('a'+i))
			if tc.name == "bad workload id" {
				spec.ID = "../escape"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err := s.StartJob(ctx, spec)
			if !errors.Is(err, ErrStartFailed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrStartFailed mentioning %q", err, tc.want)
			}
			if got := s.List(); len(got) != 0 {
				t.Fatalf("failed start left workloads: %+v", got)
			}
			left, _ := filepath.Glob(filepath.Join(s.cfg.workloadsDir(), "*"))
			if len(left) != 0 {
				t.Fatalf("failed start left state: %v", left)
			}
			noStrays(t, mark)
			// The slot was given back.
			h, err := s.StartJob(ctx, Spec{ID: "after", Entrypoint: []string{"true"}})
			if tc.plugin == nil && err != nil {
				t.Fatalf("a good job after the bad one: %v", err)
			}
			if h != nil {
				h.Wait(ctx)
			}
		})
	}
}

// TestBadArtifactNeverReachesTheSupervisor shows the agent-side path: an
// archive is verified and unpacked by protocol/artifact before any spec is
// built, and each kind of bad archive is refused there with its reason.
func TestBadArtifactNeverReachesTheSupervisor(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "artifact.json"), []byte(`{"name":"j","version":"1","type":"job","entrypoint":["./run.sh"]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "run.sh"), []byte("#!/bin/sh\necho ok\n"), 0o755)
	var good bytes.Buffer
	_, digest, err := artifact.Build(dir, &good)
	if err != nil {
		t.Fatal(err)
	}
	cache := artifact.Cache{Dir: t.TempDir()}
	corrupt := good.Bytes()[:good.Len()/2]
	if _, err := cache.Put(bytes.NewReader(corrupt), digest); !errors.Is(err, artifact.ErrDigestMismatch) {
		t.Fatalf("truncated download: %v", err)
	}
	if _, err := cache.Put(bytes.NewReader(good.Bytes()), digest); err != nil {
		t.Fatal(err)
	}
	unpacked, m, err := cache.Unpacked(digest)
	if err != nil {
		t.Fatal(err)
	}
	s, logs := newTestSupervisor(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h, err := s.StartJob(ctx, Spec{ID: "fromcache", Name: m.Name, Version: m.Version, ArtifactDir: unpacked, Entrypoint: m.Entrypoint})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := h.Wait(ctx); r.Status != StatusSucceeded || !logs.contains("fromcache", "ok") {
		t.Fatalf("job from the cache: %+v", r)
	}
}

// An SDK plugin that panics mid-job: the job fails with the panic's
// message, not a bare "connection closed".
func TestPluginCrashMidJobIsReported(t *testing.T) {
	s, _ := newTestSupervisor(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h, err := s.StartJob(ctx, Spec{ID: "crashy", Entrypoint: self("rh-sdkcrash"), EntrypointIsPlugin: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusFailed || !strings.Contains(r.Error, "plugin exited unexpectedly") || !strings.Contains(r.Error, "disk on fire") {
		t.Fatalf("result %+v", r)
	}
}
