package e2e

import (
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

// A node whose disk fills up says so: writes get 507 naming "no space
// left on device" at once (not "no leader" after the write timeout, not
// "internal error"), /health answers 503 with the cause, the node stays
// leader without new elections, and writes work again once space is freed.
func TestFullDiskIsReportedAndCausesNoElections(t *testing.T) {
	disk := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Skipf("needs root to mount a small tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", disk).Run() })
	n := harness.StartNode(t, bins, "d1", filepath.Join(disk, "d1"), harness.NodeOptions{Token: testToken, Args: []string{"--min-free-disk-mib", "4"}})
	n.WaitReady(t, testToken, 20*time.Second)
	c := harness.NewClient(n.HTTPAddr, testToken)
	if err := c.JSON("POST", "/orchestration/environments", map[string]string{"name": "before-full"}, nil); err != nil {
		t.Fatal(err)
	}
	elections := strings.Count(n.Output(), "starting election")

	filler := filepath.Join(disk, "filler")
	fill(t, filler)
	for i := range 5 {
		start := time.Now()
		status, body, err := c.Do("POST", "/orchestration/environments", map[string]string{"name": "while-full-" + string(rune('a'+i))})
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusInsufficientStorage || !strings.Contains(string(body), "no space left on device") {
			t.Fatalf("write on a full disk: %d %s after %s, want 507 naming no space left on device", status, body, took)
		}
		if took > 3*time.Second {
			t.Errorf("the refusal took %s; it must not wait for the write timeout", took)
		}
	}
	resp, err := http.Get("http://" + n.HTTPAddr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "no space left on device") || !strings.Contains(string(body), `"leader":"d1"`) {
		t.Fatalf("/health on a full disk: %d %s, want 503 naming the cause, d1 still leader", resp.StatusCode, body)
	}
	if got := strings.Count(n.Output(), "starting election"); got != elections {
		t.Fatalf("%d elections started while the disk was full:\n%s", got-elections, n.Output())
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, "writes to work again once space is freed", 10*time.Second, func() bool {
		return c.JSON("POST", "/orchestration/environments", map[string]string{"name": "after-full"}, nil) == nil
	})
	if names, err := tryEnvironmentNames(n); err != nil || !names["before-full"] || !names["after-full"] {
		t.Fatalf("state after the disk was freed: %v %v", err, names)
	}
	if n.Exited() {
		t.Fatalf("the node exited:\n%s", n.Output())
	}
}

// fill writes path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}
