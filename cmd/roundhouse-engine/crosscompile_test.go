package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// engineTargets are the platforms the engine agent ships for besides
// Linux; what cannot run here is at least built and vetted for them.
var engineTargets = []struct{ goos, goarch string }{
	{"windows", "amd64"},
	{"darwin", "amd64"},
	{"darwin", "arm64"},
}

// moduleRoot is the repository root (two levels above this package).
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// goTool runs the go tool in the module root for goos/goarch.
func goTool(t *testing.T, goos, goarch string, args ...string) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	cmd := exec.Command(gobin, args...)
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=%s GOARCH=%s go %s: %v\n%s", goos, goarch, strings.Join(args, " "), err, out)
	}
}

// TestEngineCrossCompiles builds roundhouse-engine for every target and
// vets the packages it is made of, tests included, for that target.
func TestEngineCrossCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiling takes a while")
	}
	for _, tg := range engineTargets {
		t.Run(tg.goos+"/"+tg.goarch, func(t *testing.T) {
			exe := filepath.Join(t.TempDir(), "roundhouse-engine")
			if tg.goos == "windows" {
				exe += ".exe"
			}
			goTool(t, tg.goos, tg.goarch, "build", "-trimpath", "-o", exe, "./cmd/roundhouse-engine")
			if fi, err := os.Stat(exe); err != nil || fi.Size() == 0 {
				t.Fatalf("no binary at %s: %v", exe, err)
			}
			goTool(t, tg.goos, tg.goarch, "vet", "./cmd/roundhouse-engine", "./agent/...", "./runtime/...", "./plugins/...", "./protocol/...")
		})
	}
}
