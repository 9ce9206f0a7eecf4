package controlplane

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStatelessResetKeyIsKeptAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	first, err := statelessResetKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, resetKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	again, err := statelessResetKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if *again != *first {
		t.Fatal("a restart read a different key")
	}
	if other, _ := statelessResetKey(t.TempDir()); *other == *first {
		t.Fatal("two data dirs got the same key")
	}
}

func TestDamagedStatelessResetKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, resetKeyFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := statelessResetKey(dir)
	if err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("damaged key: %v, want a refusal saying how to recover", err)
	}
}
