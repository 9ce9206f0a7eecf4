package enginelink

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakefileBuiltEngineVersionIsServed builds roundhouse-engine the way
// a release is built (make engine) and checks that the version it
// reports is a semantic version that a minimum of its own release serves
// and a minimum of the next release retires.
func TestMakefileBuiltEngineVersionIsServed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the engine")
	}
	for _, tool := range []string{"make", "go", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if out, err := exec.Command("make", "-s", "-C", root, "BIN="+bin, "engine").CombinedOutput(); err != nil {
		t.Fatalf("make engine: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(bin, "roundhouse-engine"), "--version").Output()
	if err != nil {
		t.Fatalf("roundhouse-engine --version: %v", err)
	}
	fields := strings.Fields(string(out)) // "roundhouse-engine version 0.9.0+abc1234"
	reported := fields[len(fields)-1]
	core, meta, hasMeta := strings.Cut(reported, "+")
	if !hasMeta || meta == "" {
		t.Errorf("version %q carries no commit as build metadata", reported)
	}
	v, ok := parseEngineVersion(core)
	if !ok || strings.Count(core, ".") != 2 {
		t.Fatalf("version %q is not major.minor.patch", reported)
	}
	next := engineVersion{v[0], v[1], v[2] + 1}
	tests := []struct {
		min    string
		served bool
	}{
		{core, true},
		{reported, true},
		{engineVersion{v[0], v[1], 0}.String(), true},
		{next.String(), false},
	}
	for _, tt := range tests {
		p, err := newVersionPolicy(tt.min)
		if err != nil {
			t.Fatal(err)
		}
		if why := p.unsupported(reported); (why == "") != tt.served {
			t.Errorf("minimum %s, engine %s: served %t (%s), want %t", tt.min, reported, why == "", why, tt.served)
		}
	}
}
