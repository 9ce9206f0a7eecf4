package artifact

import (
	"bytes"
	"path/filepath"
	"testing"
)

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(jobManifest))
	f.Add([]byte(`{"name":"r","version":"2","type":"route","binaryType":"runtime","entrypoint":["./r"],"healthPath":"/h"}`))
	f.Add([]byte(`{"name":"../x","type":"job"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		// Whatever parses must also validate, and name no escaping file.
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed manifest fails Validate: %v", err)
		}
		if f := m.EntrypointFile(); f != "" && !filepath.IsLocal(f) {
			t.Fatalf("entrypoint %q escapes", f)
		}
	})
}

func FuzzExtract(f *testing.F) {
	f.Add(tarGzBytes(map[string]string{"artifact.json": jobManifest, "run.sh": "#!/bin/sh\n"}))
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dest := filepath.Join(root, "a")
		if _, err := Extract(bytes.NewReader(data), dest); err != nil {
			// A refused archive leaves nothing behind.
			if left, _ := filepath.Glob(filepath.Join(root, "*")); len(left) != 0 {
				t.Fatalf("left behind: %v", left)
			}
		}
	})
}
