package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one process this program started, in its own process group,
// with its output in a log file.
type proc struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// procs owns every process started: stopAll ends each one, and the
// agent's descendants (plugins re-executed from the agent, the jobs they
// ran) that may have left its process group.
type procs struct {
	dir string
	mu  sync.Mutex
	all []*proc
	// extra are descendants seen while running, killed by PID in stopAll
	// if still the same process (same start time).
	extra []descendant
}

func (ps *procs) start(name, bin string, env []string, args ...string) (*proc, error) {
	logPath := filepath.Join(ps.dir, name+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("log of %s: %w", name, err)
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, logPath: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	ps.mu.Lock()
	ps.all = append(ps.all, p)
	ps.mu.Unlock()
	return p, nil
}

// remember records descendants to kill at the end.
func (ps *procs) remember(ds []descendant) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.extra = append(ps.extra, ds...)
}

// stopAll stops the processes newest first (the agent before the node),
// then kills remembered descendants still alive.
func (ps *procs) stopAll() {
	ps.mu.Lock()
	all, extra := ps.all, ps.extra
	ps.mu.Unlock()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].alive() {
			// Plugins run in process groups of their own: the agent stops
			// them when it ends gracefully; these are for when it does not.
			extra = append(extra, descendants(all[i].pid())...)
		}
		all[i].stop(10 * time.Second)
	}
	for _, d := range extra {
		if st, err := startTime(d.pid); err == nil && st == d.start {
			_ = syscall.Kill(d.pid, syscall.SIGKILL)
		}
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM to the process group, SIGKILL after grace.
func (p *proc) stop(grace time.Duration) {
	if !p.alive() {
		return
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(grace):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.exited
	}
}

// signalAndWait sends sig to the process alone and waits for its exit.
func (p *proc) signalAndWait(sig syscall.Signal, d time.Duration) error {
	_ = syscall.Kill(p.pid(), sig)
	select {
	case <-p.exited:
		return nil
	case <-time.After(d):
		return fmt.Errorf("%s did not exit within %s of %s", p.name, d, sig)
	}
}

// logTail is the end of the process's log, for errors.
func (p *proc) logTail() string {
	raw, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], " / ")
}

// descendant is a process below the agent, identified by PID and start
// time (a PID alone may be reused).
type descendant struct {
	pid   int
	start uint64
	comm  string
	rss   uint64 // when measured
	pss   uint64 // proportional share: shared pages divided among their users
}

// descendants lists every process below root (children, grandchildren...).
func descendants(root int) []descendant {
	entries, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, err := statFields(pid); err == nil {
			ppid, _ := strconv.Atoi(f[1])
			parent[pid] = ppid
		}
	}
	var out []descendant
	for pid := range parent {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == root {
				st, _ := startTime(pid)
				comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
				out = append(out, descendant{pid: pid, start: st, comm: strings.TrimSpace(string(comm))})
				break
			}
		}
	}
	return out
}

// statFields are the fields of /proc/PID/stat after the command name:
// [0] is the state, [1] the parent PID, [19] the start time.
func statFields(pid int) ([]string, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 {
		return nil, fmt.Errorf("stat of pid %d: too few fields", pid)
	}
	return f, nil
}

func startTime(pid int) (uint64, error) {
	f, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(f[19], 10, 64)
}
