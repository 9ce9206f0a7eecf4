package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where and when the figures were taken.
type machine struct {
	CPU     string
	Cores   int
	MemGiB  float64
	Kernel  string
	Go      string
	Date    time.Time
	Commit  string
	LoadAvg string // 1/5/15-minute load at the start: a busy host skews figures
}

func describeMachine(ctx context.Context, root string) machine {
	m := machine{Cores: runtime.NumCPU(), Date: time.Now().UTC(), CPU: "unknown", Kernel: "unknown"}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPU = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
		m.MemGiB = kb / (1 << 20)
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(raw))
	}
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(raw)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " / ")
		}
	}
	m.Go = strings.TrimSpace(cmdOutput(ctx, root, "go", "env", "GOVERSION"))
	m.Commit = strings.TrimSpace(cmdOutput(ctx, root, "git", "rev-parse", "--short=12", "HEAD"))
	if m.Commit != "" && strings.TrimSpace(cmdOutput(ctx, root, "git", "status", "--porcelain", "--untracked-files=no")) != "" {
		m.Commit += " (with uncommitted changes)"
	}
	return m
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func cmdOutput(ctx context.Context, dir, name string, args ...string) string {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return string(out)
}

func (m machine) markdown(quick bool) string {
	var b strings.Builder
	command := "make bench"
	if quick {
		command = "BENCH_QUICK=1 make bench"
	}
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| date | %s |\n", m.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "| command | `%s` (`go run ./bench/cmd/benchall`) |\n", command)
	fmt.Fprintf(&b, "| git commit | %s |\n", orUnknown(m.Commit))
	fmt.Fprintf(&b, "| CPU | %s, %d cores |\n", m.CPU, m.Cores)
	fmt.Fprintf(&b, "| memory | %.1f GiB |\n", m.MemGiB)
	fmt.Fprintf(&b, "| kernel | Linux %s |\n", m.Kernel)
	fmt.Fprintf(&b, "| Go | %s |\n", orUnknown(m.Go))
	fmt.Fprintf(&b, "| load average at start | %s |\n", orUnknown(m.LoadAvg))
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
