package artifacts_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/artifacts"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func post(t *testing.T, url, contentType string, body []byte) (int, []byte) {
	t.Helper()
	status, raw, err := (&cptest.Client{URL: url, Token: cptest.AdminToken}).Send("POST", "/orchestration/artifacts", contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return status, raw
}

func archive(t *testing.T, manifest any) []byte {
	t.Helper()
	b, err := executionstest.Archive(manifest, map[string]string{"run.sh": "#!/bin/sh\necho hi\n"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUploadVersionsDownloadDelete(t *testing.T) {
	srv := startRepo(t)
	c := srv.Client(cptest.AdminToken)
	v1 := archive(t, executionstest.JobManifest("etl", "1.0.0"))
	status, raw := post(t, srv.URL, "application/gzip", v1)
	if status != 201 {
		t.Fatalf("upload: %d %s", status, raw)
	}
	var pub state.ArtifactPublishResult
	_ = json.Unmarshal(raw, &pub)
	sum := sha256.Sum256(v1)
	if pub.Digest != "sha256:"+hex.EncodeToString(sum[:]) || pub.Size != int64(len(v1)) || pub.TaskID == "" {
		t.Fatalf("publish answer: %s", raw)
	}
	if status, raw := post(t, srv.URL, "application/gzip", archive(t, executionstest.JobManifest("etl", "1.2.0"))); status != 201 {
		t.Fatalf("second version: %d %s", status, raw)
	}
	var a struct {
		Versions []string `json:"versions"`
	}
	c.Must(t, 200, "GET", "/orchestration/artifacts/"+pub.ID, nil, &a)
	if strings.Join(a.Versions, ",") != "1.2.0,1.0.0" {
		t.Fatalf("versions %v", a.Versions)
	}
	status, got, _ := c.Do("GET", "/orchestration/artifacts/"+pub.ID+"/content?version=1.0.0", nil)
	if status != 200 || !bytes.Equal(got, v1) {
		t.Fatalf("download by version: %d, %d bytes", status, len(got))
	}
	status, got, _ = c.Do("GET", "/orchestration/artifact-blobs/"+pub.Digest, nil)
	if status != 200 || !bytes.Equal(got, v1) {
		t.Fatalf("download by digest: %d", status)
	}
	// In use by the auto-created task: refused; once the task is gone: deleted.
	if e := c.MustFail(t, 409, "DELETE", "/orchestration/artifacts/"+pub.ID, nil); !strings.Contains(e.Message, "used by 1 task") {
		t.Fatalf("delete in use: %+v", e)
	}
	c.Must(t, 204, "DELETE", "/orchestration/executables/tasks/"+pub.TaskID, nil, nil)
	c.Must(t, 204, "DELETE", "/orchestration/artifacts/"+pub.ID, nil, nil)
	c.MustFail(t, 404, "GET", "/orchestration/artifact-blobs/"+pub.Digest, nil)
}

func TestUploadRefusals(t *testing.T) {
	srv := startRepo(t)
	good := archive(t, executionstest.JobManifest("etl", "2.0.0"))
	if status, raw := post(t, srv.URL, "application/gzip", good); status != 201 {
		t.Fatalf("upload: %d %s", status, raw)
	}
	bad := executionstest.JobManifest("etl", "3.0.0")
	bad["type"] = "spreadsheet"
	noEntry := executionstest.JobManifest("etl", "3.0.0")
	delete(noEntry, "entrypoint")
	cases := []struct {
		name        string
		contentType string
		body        []byte
		status      int
		want        string
	}{
		{"not gzip content type", "application/json", good, 415, "application/gzip"},
		{"not an archive", "application/gzip", []byte("hello"), 400, "gzip"},
		{"no manifest", "application/gzip", gzipOf(t, "plain"), 400, "tar"},
		{"unknown type", "application/gzip", archive(t, bad), 400, "spreadsheet"},
		{"no entrypoint", "application/gzip", archive(t, noEntry), 400, "entrypoint"},
		{"same version again", "application/gzip", good, 409, "already has version 2.0.0"},
		{"lower version", "application/gzip", archive(t, executionstest.JobManifest("etl", "1.9.0")), 409, "lower than the latest"},
		{"reserved word", "application/gzip", archive(t, executionstest.JobManifest("etl-SNAPSHOT", "1.0.0")), 400, "SNAPSHOT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := post(t, srv.URL, c.contentType, c.body)
			if status != c.status || !strings.Contains(string(raw), c.want) {
				t.Fatalf("got %d %s, want %d mentioning %q", status, raw, c.status, c.want)
			}
		})
	}
}

func gzipOf(t *testing.T, s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return buf.Bytes()
}

func TestBlobStoreLimitsAndDigests(t *testing.T) {
	store, err := artifacts.OpenBlobStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Stage(strings.NewReader(strings.Repeat("x", 11)), 10); err != artifacts.ErrTooLarge {
		t.Fatalf("over the limit: %v", err)
	}
	st, err := store.Stage(strings.NewReader("0123456789"), 10)
	if err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	if err := store.Commit(st); err != nil || !store.Has(st.Digest) {
		t.Fatalf("commit: %v", err)
	}
	wrong := "sha256:" + strings.Repeat("0", 64)
	if err := store.Import(wrong, strings.NewReader("other"), 10); err == nil || store.Has(wrong) {
		t.Fatalf("content under a wrong digest was kept: %v", err)
	}
	if artifacts.ValidDigest("sha256:../../etc/passwd") {
		t.Fatal("a path passed as a digest")
	}
}

// An archive declared over 400 MB is refused before its body is read.
func TestUploadOverTheLimitIs413(t *testing.T) {
	srv := startRepo(t)
	size := int64(state.MaxArtifactBytes) + 1
	_, err := srv.API(cptest.AdminToken).Artifacts().Upload(context.Background(), "", io.LimitReader(zeros{}, size), size)
	var e *api.Error
	if !errors.As(err, &e) {
		t.Fatalf("upload: %v", err)
	}
	if e.StatusCode != 413 || !strings.Contains(string(e.Body), "400 MB") {
		t.Fatalf("got %d %s", e.StatusCode, e.Body)
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// startRepo runs a control plane whose admin may publish to Shared.
func startRepo(t *testing.T) *cptest.Server {
	srv := cptest.Start(t)
	if _, _, err := executionstest.SharedWorkspace(srv.URL, cptest.AdminToken); err != nil {
		t.Fatal(err)
	}
	return srv
}

// A refused publication keeps no blob.
func TestRefusedUploadKeepsNoBlob(t *testing.T) {
	srv := startRepo(t)
	if status, raw := post(t, srv.URL, "application/gzip", archive(t, executionstest.JobManifest("etl", "2.0.0"))); status != 201 {
		t.Fatalf("upload: %d %s", status, raw)
	}
	lower := archive(t, executionstest.JobManifest("etl", "1.0.0"))
	if status, _ := post(t, srv.URL, "application/gzip", lower); status != 409 {
		t.Fatalf("lower version: %d", status)
	}
	sum := sha256.Sum256(lower)
	if srv.Artifacts().Blobs().Has("sha256:" + hex.EncodeToString(sum[:])) {
		t.Fatal("the refused archive is still stored")
	}
}
