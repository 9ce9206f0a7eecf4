//go:build linux

package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMemoryLimitKillReported(t *testing.T) {
	s, _ := newTestSupervisor(t, nil)
	needCgroups(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := s.StartJob(ctx, Spec{ID: "hog", Entrypoint: self("rh-alloc", "512"), Limits: Limits{MemoryMB: 64}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusMemoryLimit || r.Signal != "killed" {
		t.Fatalf("result = %+v, want MEMORY_LIMIT by SIGKILL", r)
	}
	if !strings.Contains(r.Error, "memory limit of 64 MB") {
		t.Fatalf("error %q does not say why", r.Error)
	}
}

func TestCPUQuotaHeld(t *testing.T) {
	s, logs := newTestSupervisor(t, nil)
	needCgroups(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// 200 millicores = 20% of one core, over a 1.5 s busy loop.
	h, err := s.StartJob(ctx, Spec{ID: "burn", Entrypoint: self("rh-burn", "1500ms"), Limits: Limits{CPUMillis: 200}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := h.Wait(ctx); err != nil || r.Status != StatusSucceeded {
		t.Fatalf("result %+v %v", r, err)
	}
	var cpu, wall float64
	for _, l := range logs.of("burn") {
		if _, err := fmt.Sscanf(l.Text, "cpu=%f wall=%f", &cpu, &wall); err == nil {
			break
		}
	}
	if wall == 0 {
		t.Fatalf("no cpu line in %+v", logs.of("burn"))
	}
	share := cpu / wall
	t.Logf("busy loop got %.0f%% of a core under a 20%% quota", share*100)
	if share < 0.10 || share > 0.30 {
		t.Fatalf("CPU share %.2f, want about 0.20", share)
	}
}

func readInt(path string) int {
	data, _ := os.ReadFile(path)
	s := strings.TrimSpace(string(data))
	if s == "max" {
		return -1
	}
	n, _ := strconv.Atoi(s)
	return n
}

func TestForkBombStoppedByProcessLimit(t *testing.T) {
	s, _ := newTestSupervisor(t, nil)
	needCgroups(t, s)
	mark := marker()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bomb := "b(){ b | b & }; b; sleep 30 # " + mark
	h, err := s.StartJob(ctx, Spec{ID: "bomb", Entrypoint: []string{"bash", "-c", bomb}, Limits: Limits{MaxProcesses: 40}, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w := h.w
	pidsDir := w.rec.Cgroup.Dirs["pids"]
	if pidsDir == "" {
		pidsDir = w.rec.Cgroup.Dirs["unified"]
	}
	max := readInt(filepath.Join(pidsDir, "pids.max"))
	peak := 0
	eventually(t, 10*time.Second, "forks refused by pids.max", func() bool {
		if n := readInt(filepath.Join(pidsDir, "pids.current")); n > peak {
			peak = n
		}
		return w.rec.Cgroup.pidsMaxHits() > 0
	})
	if peak > max {
		t.Fatalf("pids.current peaked at %d above pids.max %d", peak, max)
	}
	if hostProcs := len(procsWith(mark)); hostProcs > max {
		t.Fatalf("%d bomb processes on the host, limit %d", hostProcs, max)
	}
	r, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusTimeout {
		t.Fatalf("status %s", r.Status)
	}
	noStrays(t, mark)
}
