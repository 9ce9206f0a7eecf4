package datadir

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRuntimeDirIsAbsoluteAndShortEnoughForSockets(t *testing.T) {
	long := "/home/someone/src/github.com/some-organisation/roundhouse/roundhouse-engine-data"
	tests := []struct {
		dataDir string
		under   string
	}{
		{"/var/lib/roundhouse-engine", "/var/lib/roundhouse-engine/rt"},
		{long, ""},
		{"relative-data", ""},
	}
	for _, tt := range tests {
		got := RuntimeDir(tt.dataDir)
		if !filepath.IsAbs(got) || len(got) > maxRuntimeDir {
			t.Fatalf("%s: runtime dir %q (%d bytes), want absolute and at most %d", tt.dataDir, got, len(got), maxRuntimeDir)
		}
		if tt.under != "" && got != tt.under {
			t.Fatalf("%s: got %q, want %q", tt.dataDir, got, tt.under)
		}
		if got != RuntimeDir(tt.dataDir) {
			t.Fatalf("%s: not stable", tt.dataDir)
		}
	}
	if a, b := RuntimeDir(long), RuntimeDir(long+"2"); a == b || !strings.Contains(a, "roundhouse-rt-") {
		t.Fatalf("long data dirs map to %q and %q", a, b)
	}
}
