package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// Binaries are the built executables.
type Binaries struct {
	Server string // roundhouse
	Engine string // roundhouse-engine
}

var buildOnce = sync.OnceValues(build)

// Build compiles both binaries once per test process into a temp dir.
func Build() (Binaries, error) { return buildOnce() }

func build() (Binaries, error) {
	root, err := moduleRoot()
	if err != nil {
		return Binaries{}, err
	}
	dir, err := os.MkdirTemp("", "roundhouse-e2e-bin-")
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{Server: filepath.Join(dir, "roundhouse"), Engine: filepath.Join(dir, "roundhouse-engine")}
	for out, pkg := range map[string]string{b.Server: "./cmd/roundhouse", b.Engine: "./cmd/roundhouse-engine"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return Binaries{}, fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

func moduleRoot() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above %s", file)
		}
		dir = parent
	}
}
