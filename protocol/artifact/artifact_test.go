package artifact

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const jobManifest = `{"name":"hello","version":"1.0.0","type":"job","entrypoint":["./run.sh","${WHO}"],"parameters":{"WHO":"world"}}`

func TestBuildExtractRoundTrip(t *testing.T) {
	dir := writeDir(t, map[string]string{"artifact.json": jobManifest, "run.sh": "#!/bin/sh\necho hi $1\n", "lib/data.txt": "x"})
	var a, b bytes.Buffer
	m, d1, err := Build(dir, &a)
	if err != nil {
		t.Fatal(err)
	}
	_, d2, err := Build(dir, &b)
	if err != nil {
		t.Fatal(err)
	}
	if d1 != d2 {
		t.Fatalf("same directory, different digests: %s %s", d1, d2)
	}
	if m.Runner != RunnerExec || m.FileName() != "hello-1.0.0.tar.gz" {
		t.Fatalf("manifest defaults: %+v", m)
	}
	c := Cache{Dir: t.TempDir()}
	if _, err := c.Put(bytes.NewReader(a.Bytes()), d1); err != nil {
		t.Fatal(err)
	}
	got, m2, err := c.Unpacked(d1)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Name != "hello" {
		t.Fatalf("manifest after unpack: %+v", m2)
	}
	if st, err := os.Stat(filepath.Join(got, "run.sh")); err != nil || st.Mode().Perm()&0o100 == 0 {
		t.Fatalf("entrypoint not executable after unpack: %v %v", st, err)
	}
	if data, _ := os.ReadFile(filepath.Join(got, "lib/data.txt")); string(data) != "x" {
		t.Fatalf("lib/data.txt = %q", data)
	}
}

func tarGz(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	return tarGzBytes(entries)
}

func tarGzBytes(entries map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range entries {
		mode := int64(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestBadArchives(t *testing.T) {
	good := tarGz(t, map[string]string{"artifact.json": jobManifest, "run.sh": "#!/bin/sh\n"})
	gd, _ := Digest(bytes.NewReader(good))
	tests := []struct {
		name    string
		archive []byte
		digest  string
		want    string
		is      error
	}{
		{"corrupt archive", good[:len(good)/2], "", "corrupt", ErrCorrupt},
		{"not gzip", []byte("hello"), "", "corrupt", ErrCorrupt},
		{"digest mismatch", good, "sha256:" + strings.Repeat("0", 64), "digest mismatch", ErrDigestMismatch},
		{"missing entrypoint", tarGz(t, map[string]string{"artifact.json": jobManifest}), "", "missing entrypoint", nil},
		{"unknown type", tarGz(t, map[string]string{"artifact.json": `{"name":"a","version":"1","type":"spaceship","entrypoint":["x"]}`}), "", `unknown type "spaceship"`, nil},
		{"no manifest", tarGz(t, map[string]string{"run.sh": "x"}), "", "no artifact.json", ErrCorrupt},
		{"path escape", tarGz(t, map[string]string{"../evil.sh": "x"}), "", "leads out of the archive", ErrCorrupt},
		{"service without binary type", tarGz(t, map[string]string{"artifact.json": `{"name":"a","version":"1","type":"route","entrypoint":["x"]}`}), "", "binaryType", nil},
		{"good", good, gd, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Cache{Dir: t.TempDir()}
			digest := tc.digest
			if digest == "" {
				digest, _ = Digest(bytes.NewReader(tc.archive))
			}
			_, err := c.Put(bytes.NewReader(tc.archive), digest)
			if err == nil {
				_, _, err = c.Unpacked(digest)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error = %v, want errors.Is %v", err, tc.is)
			}
			// Nothing half-made is left behind.
			left, _ := filepath.Glob(filepath.Join(c.Dir, "unpacked", "*"))
			if len(left) != 0 {
				t.Fatalf("left behind: %v", left)
			}
		})
	}
}

func TestBuildRejectsMissingEntrypoint(t *testing.T) {
	dir := writeDir(t, map[string]string{"artifact.json": jobManifest})
	_, _, _, err := BuildFile(dir, filepath.Join(t.TempDir(), "out.tar.gz"))
	if err == nil || !strings.Contains(err.Error(), "entrypoint") {
		t.Fatalf("err = %v", err)
	}
}
