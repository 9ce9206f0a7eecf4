package artifact

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// rawArchive writes headers in order, each followed by body bytes for a
// regular file; a regular file whose Size exceeds its body is written as a
// header only (enough for a bomb: the rules refuse it at its header).
func rawArchive(t *testing.T, entries ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		if e.hdr.Typeflag == tar.TypeReg && e.hdr.Size == 0 {
			e.hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(e.hdr); err != nil {
			t.Fatal(err)
		}
		if int64(len(e.body)) != e.hdr.Size {
			if err := tw.Flush(); err == nil {
				t.Fatal("a short body should leave the archive unfinished")
			}
			break
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	_ = tw.Close()
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type rawEntry struct {
	hdr  *tar.Header
	body string
}

func file(name, body string, mode int64) rawEntry {
	return rawEntry{hdr: &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode}, body: body}
}

func special(typ byte, name, link string) rawEntry {
	return rawEntry{hdr: &tar.Header{Typeflag: typ, Name: name, Linkname: link, Mode: 0o644}}
}

// withJob is a valid job artifact followed by extra entries.
func withJob(extra ...rawEntry) []rawEntry {
	return append([]rawEntry{file(ManifestName, jobManifest, 0o644), file("run.sh", "#!/bin/sh\n", 0o755)}, extra...)
}

// The control plane (Inspect, at upload) and the engine (Extract) refuse
// the same archives with the same message, which names the entry and the
// rule or limit it breaks.
func TestUploadAndEngineRefuseTheSameArchives(t *testing.T) {
	manyEntries := withJob()
	for i := range MaxEntries {
		manyEntries = append(manyEntries, rawEntry{hdr: &tar.Header{Typeflag: tar.TypeDir, Name: fmt.Sprintf("d%05d/", i), Mode: 0o755}})
	}
	bomb := rawEntry{hdr: &tar.Header{Typeflag: tar.TypeReg, Name: "zeros.bin", Mode: 0o644, Size: 2 << 30}}
	tests := []struct {
		name    string
		entries []rawEntry
		want    []string
	}{
		{"parent path", withJob(file("../evil.sh", "x", 0o755)), []string{`"../evil.sh"`, "leads out of the archive"}},
		{"parent path inside", withJob(file("lib/../../evil.sh", "x", 0o644)), []string{`"lib/../../evil.sh"`, "leads out"}},
		{"absolute path", withJob(file("/etc/cron.d/evil", "x", 0o644)), []string{`"/etc/cron.d/evil"`, "absolute"}},
		{"symlink out", withJob(special(tar.TypeSymlink, "lib", "/etc")), []string{`"lib"`, "links are not allowed", `"/etc"`}},
		{"symlink inside", withJob(special(tar.TypeSymlink, "run2.sh", "run.sh")), []string{`"run2.sh"`, "links are not allowed"}},
		{"hard link out", withJob(special(tar.TypeLink, "passwd", "../../../etc/passwd")), []string{`"passwd"`, "links are not allowed"}},
		{"character device", withJob(special(tar.TypeChar, "dev/null", "")), []string{`"dev/null"`, "device nodes"}},
		{"block device", withJob(special(tar.TypeBlock, "sda", "")), []string{`"sda"`, "device nodes"}},
		{"fifo", withJob(special(tar.TypeFifo, "pipe", "")), []string{`"pipe"`, "FIFOs"}},
		{"zero bomb", withJob(bomb), []string{`"zeros.bin"`, fmt.Sprint(MaxUnpackedBytes), "the limit"}},
		{"too many entries", manyEntries, []string{`"d19998/"`, fmt.Sprint(MaxEntries), "the limit"}},
		{"same file twice", withJob(file("run.sh", "#!/bin/sh\nrm -rf /\n", 0o755)), []string{`"run.sh"`, "twice"}},
		{"file under a file", withJob(file("run.sh/x", "x", 0o644)), []string{`"run.sh/x"`, "which is a file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := rawArchive(t, tt.entries...)
			_, upErr := Inspect(bytes.NewReader(raw))
			root := t.TempDir()
			_, engErr := Extract(bytes.NewReader(raw), filepath.Join(root, "a"))
			for side, err := range map[string]error{"upload": upErr, "engine": engErr} {
				var ee *EntryError
				if !errors.As(err, &ee) || !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s: error %v, want an EntryError", side, err)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q does not mention %q", side, err, w)
					}
				}
			}
			if !strings.HasSuffix(engErr.Error(), upErr.Error()) {
				t.Errorf("engine says %q, upload says %q: want the same rule", engErr, upErr)
			}
			if left, _ := filepath.Glob(filepath.Join(root, "*")); len(left) != 0 {
				t.Fatalf("the engine left %v behind", left)
			}
		})
	}
}

func TestInspectAcceptsWhatEnginesUnpack(t *testing.T) {
	raw := rawArchive(t, withJob(rawEntry{hdr: &tar.Header{Typeflag: tar.TypeDir, Name: "lib/", Mode: 0o755}},
		file("lib/a.jar", "jar", 0o644), file("./lib/b.jar", "jar", 0o644))...)
	m, err := Inspect(bytes.NewReader(raw))
	if err != nil || m.Name != "hello" {
		t.Fatalf("Inspect: %+v %v", m, err)
	}
	if _, err := Extract(bytes.NewReader(raw), filepath.Join(t.TempDir(), "a")); err != nil {
		t.Fatalf("Extract: %v", err)
	}
}

func TestInspectRefusesAnEntrypointTheEngineCannotRun(t *testing.T) {
	tests := []struct {
		name    string
		entries []rawEntry
		want    string
	}{
		{"missing", []rawEntry{file(ManifestName, jobManifest, 0o644)}, `the entrypoint "./run.sh" is not an executable file`},
		{"not executable", []rawEntry{file(ManifestName, jobManifest, 0o644), file("run.sh", "x", 0o644)}, "not an executable file"},
		{"a directory", []rawEntry{file(ManifestName, jobManifest, 0o644), {hdr: &tar.Header{Typeflag: tar.TypeDir, Name: "run.sh/", Mode: 0o755}}}, "not an executable file"},
		{"no manifest", []rawEntry{file("run.sh", "x", 0o755)}, "no artifact.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inspect(bytes.NewReader(rawArchive(t, tt.entries...)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
