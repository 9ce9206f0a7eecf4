//go:build linux

package runtime

import (
	"os"
	"path/filepath"
	"testing"
)

// An in-place overwrite reads back as the new value, also when the agent
// died between the write and the truncate (the old value's tail is left
// behind), and falls back to a fresh write when the file is missing.
func TestOverwriteJSONSurvivesADeathBeforeTheTruncate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, recordFile)
	long := record{Kind: KindJob, Addr: "/a/very/long/socket/path/that/makes/the/first/value/longer"}
	short := record{Kind: KindJob, Addr: "/s"}
	if err := overwriteJSON(path, long); err != nil { // missing: written fresh
		t.Fatal(err)
	}
	if err := overwriteJSON(path, short); err != nil {
		t.Fatal(err)
	}
	var got record
	if err := readJSON(path, &got); err != nil || got.Addr != "/s" {
		t.Fatalf("after overwrite: %+v %v", got, err)
	}
	// The death between the two calls: the new value, then the old tail.
	if err := overwriteJSON(path, long); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(path, os.O_WRONLY, 0)
	data, _ := os.ReadFile(path)
	fresh := []byte(`{"kind": "job", "addr": "/s"}`)
	_, _ = f.WriteAt(fresh, 0)
	f.Close()
	if raw, _ := os.ReadFile(path); len(raw) != len(data) {
		t.Fatalf("test setup: the old tail is not there")
	}
	got = record{}
	if err := readJSON(path, &got); err != nil || got.Addr != "/s" {
		t.Fatalf("with the old tail left: %+v %v", got, err)
	}
}
