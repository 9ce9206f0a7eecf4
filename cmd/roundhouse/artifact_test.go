package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/protocol/artifact"
)

func TestArtifactBuild(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "artifact.json"), []byte(`{"name":"nightly","version":"1.4.0","type":"job","entrypoint":["./run.sh"]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "run.sh"), []byte("#!/bin/sh\necho hi\n"), 0o755)
	out := filepath.Join(t.TempDir(), "x.tar.gz")
	tests := []struct {
		name    string
		args    []string
		wantErr string
		code    int
	}{
		{"builds to -o", []string{"build", dir, "-o", out}, "", 0},
		{"no directory", []string{"build"}, "exactly one directory", 2},
		{"not an artifact dir", []string{"build", t.TempDir()}, "artifact.json", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := newArtifactCmd()
			var stdout bytes.Buffer
			cmd.SetOut(&stdout)
			cmd.SetErr(&bytes.Buffer{})
			cmd.SetArgs(tc.args)
			err := cmd.Execute()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if err := artifact.VerifyFile(out, strings.Fields(stdout.String())[4]); err != nil {
					t.Fatalf("printed digest does not match the file: %v (%q)", err, stdout.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || exitCode(err) != tc.code {
				t.Fatalf("err = %v (exit %d), want %q (exit %d)", err, exitCode(err), tc.wantErr, tc.code)
			}
		})
	}
}
