//go:build linux

package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// scriptArtifact writes an artifact dir whose entrypoint is run.sh.
func scriptArtifact(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestJobResults(t *testing.T) {
	s, logs := newTestSupervisor(t, nil)
	long := strings.Repeat("x", plugins.MaxLogMessage+500)
	tests := []struct {
		name      string
		script    string
		params    map[string]string
		status    Status
		exit      int
		processed int64
		logLine   string
	}{
		{"success with rows and parameters", `echo "hello $WHO $1"; echo "##roundhouse rows processed=10 rejected=2"`, map[string]string{"WHO": "world"}, StatusSucceeded, 0, 10, "hello world world"},
		{"non-zero exit", `echo failing >&2; exit 3`, nil, StatusFailed, 3, 0, "failing"},
		{"killed by a signal", `kill -9 $$`, nil, StatusFailed, 137, 0, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			id := "job" + string(rune('a'+i))
			h, err := s.StartJob(ctx, Spec{ID: id, ArtifactDir: scriptArtifact(t, tc.script), Entrypoint: []string{"./run.sh", "${WHO}"}, Parameters: tc.params})
			if err != nil {
				t.Fatal(err)
			}
			r, err := h.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status || r.ExitCode != tc.exit || r.Processed != tc.processed {
				t.Fatalf("result = %+v, want status %s exit %d processed %d", r, tc.status, tc.exit, tc.processed)
			}
			if tc.logLine != "" && !logs.contains(id, tc.logLine) {
				t.Fatalf("log line %q not captured; got %+v", tc.logLine, logs.of(id))
			}
			if err := s.Release(id); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("long line truncated at 100 KB", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		h, err := s.StartJob(ctx, Spec{ID: "jobtrunc", ArtifactDir: scriptArtifact(t, "echo "+long+"\necho after"), Entrypoint: []string{"./run.sh"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		lines := logs.of("jobtrunc")
		if len(lines) != 2 || len(lines[0].Text) != plugins.MaxLogMessage || !lines[0].Truncated || lines[1].Text != "after" {
			t.Fatalf("got %d lines; first %d bytes truncated=%v", len(lines), len(lines[0].Text), lines[0].Truncated)
		}
	})
}

func TestConcurrencyCap(t *testing.T) {
	s, _ := newTestSupervisor(t, func(c *Config) { c.MaxConcurrentJobs = 1 })
	release := filepath.Join(shortTempDir(t), "go")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h1, err := s.StartJob(ctx, Spec{ID: "first", Entrypoint: self("rh-wait", release)})
	if err != nil {
		t.Fatal(err)
	}
	// Whoever can connect to a plugin's socket can make it run commands.
	for _, d := range []string{filepath.Dir(h1.w.rec.Addr), h1.w.dir} {
		if st, err := os.Stat(d); err != nil || st.Mode().Perm() != 0o700 {
			t.Fatalf("%s: %v %v, want mode 0700", d, st.Mode(), err)
		}
	}
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	if _, err := s.StartJob(short, Spec{ID: "second", Entrypoint: []string{"true"}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second job with the only slot taken: err = %v, want a deadline error", err)
	}
	os.WriteFile(release, nil, 0o644)
	if r, _ := h1.Wait(ctx); r.Status != StatusSucceeded || r.Processed != 42 {
		t.Fatalf("first job: %+v", r)
	}
	h2, err := s.StartJob(ctx, Spec{ID: "second", Entrypoint: []string{"true"}})
	if err != nil {
		t.Fatalf("second job once the slot is free: %v", err)
	}
	if r, _ := h2.Wait(ctx); r.Status != StatusSucceeded {
		t.Fatalf("second job: %+v", r)
	}
}

func TestTimeoutKillsWholeTree(t *testing.T) {
	s, logs := newTestSupervisor(t, nil)
	mode := "nosetsid"
	if s.CgroupVersion() != "" {
		mode = "setsid" // a child that leaves the process group: only the cgroup catches it
	}
	mark := marker()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h, err := s.StartJob(ctx, Spec{ID: "tree", Entrypoint: self("rh-tree", mark, mode), Timeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the tree to start", func() bool { return len(procsWith(mark)) >= 4 })
	r, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusTimeout {
		t.Fatalf("status = %s (%s), want TIMEOUT", r.Status, r.Error)
	}
	if got := procsWith(mark); len(got) != 0 {
		t.Fatalf("processes left after the timeout (%s): %v", mode, got)
	}
	if !logs.contains("tree", "tree started") {
		t.Fatal("log of the job not captured")
	}
}

func TestSDKJobPlugin(t *testing.T) {
	s, logs := newTestSupervisor(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h, err := s.StartJob(ctx, Spec{ID: "sdk", Entrypoint: self("rh-sdkjob"), EntrypointIsPlugin: true, Parameters: map[string]string{"WHO": "sdk"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.Wait(ctx)
	if err != nil || r.Status != StatusSucceeded || r.Processed != 7 {
		t.Fatalf("result %+v, %v", r, err)
	}
	if !logs.contains("sdk", "hello from sdk") {
		t.Fatalf("logs: %+v", logs.of("sdk"))
	}
}

func TestRunAsUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("run-as needs root")
	}
	// The plugin (this test binary) must be executable by nobody, and the
	// state dir traversable.
	bin := filepath.Join(shortTempDir(t), "plugin")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(bin), 0o755)
	s, logs := newTestSupervisor(t, func(c *Config) {
		os.Chmod(c.StateDir, 0o711)
		c.PluginCommand = func(name string) []string { return []string{bin, "rh-plugin", name} }
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h, err := s.StartJob(ctx, Spec{ID: "asnobody", Entrypoint: []string{"sh", "-c", "echo uid=$(id -u) nofile=$(ulimit -n)"}, RunAs: "nobody", Limits: Limits{MaxOpenFiles: 64}})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := h.Wait(ctx); r.Status != StatusSucceeded {
		t.Fatalf("result %+v", r)
	}
	if !logs.contains("asnobody", "uid=65534 nofile=64") {
		t.Fatalf("logs: %+v", logs.of("asnobody"))
	}
}
