package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDiscoverFindsBenchmarkPrograms(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"bench/zeta/main.go", "bench/alpha/main.go", "bench/cmd/benchall/main.go", "bench/notmain/x.go"} {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("package main\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		only    []string
		want    []string
		wantErr bool
	}{
		{"all, sorted, runner excluded", nil, []string{"alpha", "zeta"}, false},
		{"only one", []string{"zeta"}, []string{"zeta"}, false},
		{"only an unknown one", []string{"nope"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := discover(root, tt.only)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRenderMarksFailedPrograms(t *testing.T) {
	doc := render(machine{CPU: "cpu", Cores: 2, Date: time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)}, false, []result{
		{name: "good", section: "## Good\n\n| a |\n", took: time.Second},
		{name: "bad", section: "partial", failure: "exit status 1: boom\nmore", took: 2 * time.Second},
	}, "## Engine scale at 50,000\n")
	for _, want := range []string{"# Recorded runs (not part of make bench)", "## Engine scale at 50,000", "| bench/good | ok | 1s |", "| bench/bad | **FAILED** | 2s |", "## Good", "## bench/bad\n\npartial",
		"**FAILED: exit status 1: boom more**", "| CPU | cpu, 2 cores |"} {
		if !strings.Contains(doc, want) {
			t.Errorf("BENCHMARKS.md lacks %q:\n%s", want, doc)
		}
	}
}
