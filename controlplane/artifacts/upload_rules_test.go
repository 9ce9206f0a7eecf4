package artifacts_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/protocol/artifact"
)

// archiveWith is a valid job archive followed by extra headers. Links,
// devices and directories carry no body; a regular file is written as a
// header only, which ends the archive there (a bomb's header is enough).
func archiveWith(t *testing.T, extra ...*tar.Header) []byte {
	t.Helper()
	raw, _ := json.Marshal(executionstest.JobManifest("etl", "1.0.0"))
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{"artifact.json": string(raw), "run.sh": "#!/bin/sh\necho hi\n"} {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(body))
	}
	for _, h := range extra {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			break
		}
	}
	_ = tw.Flush()
	_ = zw.Close()
	return buf.Bytes()
}

// An archive no engine would unpack is refused at upload with 400 naming
// the entry and the rule or limit; nothing is published or kept.
func TestUploadRefusesArchivesEnginesWouldNotUnpack(t *testing.T) {
	srv := startRepo(t)
	many := make([]*tar.Header, artifact.MaxEntries)
	for i := range many {
		many[i] = &tar.Header{Typeflag: tar.TypeDir, Name: fmt.Sprintf("d%05d/", i), Mode: 0o755}
	}
	tests := []struct {
		name  string
		extra []*tar.Header
		want  []string
	}{
		{"parent path", []*tar.Header{{Typeflag: tar.TypeDir, Name: "../up/", Mode: 0o755}}, []string{`\"../up/\"`, "leads out of the archive"}},
		{"absolute path", []*tar.Header{{Typeflag: tar.TypeDir, Name: "/etc/", Mode: 0o755}}, []string{`\"/etc/\"`, "absolute"}},
		{"symlink", []*tar.Header{{Typeflag: tar.TypeSymlink, Name: "lib", Linkname: "/etc"}}, []string{`\"lib\"`, "links are not allowed"}},
		{"hard link", []*tar.Header{{Typeflag: tar.TypeLink, Name: "pw", Linkname: "../../etc/passwd"}}, []string{`\"pw\"`, "links are not allowed"}},
		{"device node", []*tar.Header{{Typeflag: tar.TypeChar, Name: "null", Devmajor: 1, Devminor: 3}}, []string{`\"null\"`, "device nodes"}},
		{"2 GiB zero bomb", []*tar.Header{{Typeflag: tar.TypeReg, Name: "zeros.bin", Mode: 0o644, Size: 2 << 30}},
			[]string{`\"zeros.bin\"`, fmt.Sprint(artifact.MaxUnpackedBytes), "the limit"}},
		{"too many entries", many, []string{fmt.Sprint(artifact.MaxEntries), "entries, the limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := archiveWith(t, tt.extra...)
			status, raw := post(t, srv.URL, "application/gzip", body)
			if status != 400 {
				t.Fatalf("status %d %s, want 400", status, raw)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(raw), w) {
					t.Errorf("answer %s does not mention %s", raw, w)
				}
			}
			sum := sha256.Sum256(body)
			if srv.Artifacts().Blobs().Has("sha256:" + hex.EncodeToString(sum[:])) {
				t.Error("the refused archive is stored")
			}
			var list []any
			srv.Client(cptest.AdminToken).Must(t, 200, "GET", "/orchestration/artifacts", nil, &list)
			if len(list) != 0 {
				t.Errorf("artifacts after a refused upload: %v", list)
			}
		})
	}
}
