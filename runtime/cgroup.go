//go:build linux

package runtime

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroupRoot is where cgroup hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// cgroup2Magic is CGROUP2_SUPER_MAGIC from statfs(2).
const cgroup2Magic = 0x63677270

func writeFile(dir, name, value string) error {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(value), 0o644); err != nil {
		return fmt.Errorf("cgroup %s/%s = %s: %w", dir, name, value, err)
	}
	return nil
}

// detectCgroups picks the driver for mode, or nil when limits cannot be
// enforced (not root, no controllers); why says which.
func detectCgroups(mode, parent string) (drv cgroupDriver, why string) {
	if mode == CgroupsOff {
		return nil, "cgroups disabled by configuration"
	}
	if os.Geteuid() != 0 {
		return nil, "not running as root"
	}
	var st syscall.Statfs_t
	isV2 := syscall.Statfs(cgroupRoot, &st) == nil && st.Type == cgroup2Magic
	if isV2 && mode != CgroupsV1 {
		d, err := newCgroupV2(parent)
		if err == nil {
			return d, ""
		}
		why = err.Error()
	}
	if !isV2 && mode != CgroupsV2 {
		d, err := newCgroupV1(parent)
		if err == nil {
			return d, ""
		}
		why = err.Error()
	}
	if why == "" {
		why = "no cgroup " + mode + " hierarchy on this host"
	}
	return nil, why
}

// procs lists the live processes in the group.
func (c *cgroup) procs() []int {
	seen := map[int]bool{}
	var out []int
	for _, dir := range c.Dirs {
		data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			pid, err := strconv.Atoi(f)
			if err != nil || seen[pid] {
				continue
			}
			seen[pid] = true
			if _, state, err := readStat(pid); err == nil && state != 'Z' {
				out = append(out, pid)
			}
		}
	}
	return out
}

// kill SIGKILLs everything in the group until it is empty or a deadline
// passes; the pids limit keeps a fork bomb from outrunning it.
func (c *cgroup) kill() error {
	if c == nil {
		return nil
	}
	if dir, ok := c.Dirs["unified"]; ok {
		if err := writeFile(dir, "cgroup.kill", "1"); err == nil {
			return c.awaitEmpty()
		}
	}
	return c.killIn(c.Dirs)
}

// killJob SIGKILLs what the job left in its fork groups (v1), sparing the
// plugin, which lives elsewhere.
func (c *cgroup) killJob() error {
	if c == nil || len(c.Fork) == 0 {
		return nil
	}
	dirs := map[string]string{}
	for i, d := range c.Fork {
		dirs[strconv.Itoa(i)] = d
	}
	return c.killIn(dirs)
}

func (c *cgroup) killIn(dirs map[string]string) error {
	sub := &cgroup{Dirs: dirs}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		pids := sub.procs()
		if len(pids) == 0 {
			return nil
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("cgroup %v: processes left after SIGKILL", c.Dirs)
}

func (c *cgroup) awaitEmpty() error {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if len(c.procs()) == 0 {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("cgroup %v: processes left after cgroup.kill", c.Dirs)
}

// remove deletes the group's directories (after kill).
func (c *cgroup) remove() error {
	if c == nil {
		return nil
	}
	// Children before parents.
	dirs := make([]string, 0, len(c.Dirs))
	for _, d := range c.Dirs {
		dirs = append(dirs, d)
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	var errs []error
	for _, dir := range dirs {
		// rmdir fails with EBUSY for a moment after the last task exits.
		var err error
		for i := 0; i < 100; i++ {
			if err = os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// oomKills reads how many processes the kernel's OOM killer killed in the
// group (v1 memory.oom_control, v2 memory.events).
func (c *cgroup) oomKills() int64 {
	if c == nil {
		return 0
	}
	if dir, ok := c.Dirs["memory"]; ok {
		return readKeyed(filepath.Join(dir, "memory.oom_control"), "oom_kill")
	}
	if dir, ok := c.Dirs["unified"]; ok {
		return readKeyed(filepath.Join(dir, "memory.events"), "oom_kill")
	}
	return 0
}

// pidsMaxHits reads how often a fork was refused by the process limit.
func (c *cgroup) pidsMaxHits() int64 {
	if c == nil {
		return 0
	}
	for _, key := range []string{"pids/job", "unified"} {
		if dir, ok := c.Dirs[key]; ok {
			return readKeyed(filepath.Join(dir, "pids.events"), "max")
		}
	}
	return 0
}

// readKeyed reads "key value" lines and returns key's value (0 if absent).
func readKeyed(path, key string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// place moves pid (with all its threads) into the group.
func (c *cgroup) place(pid int) error {
	if c == nil {
		return nil
	}
	// Each v1 migration waits on the kernel's global threadgroup lock (an
	// RCU grace period); issued together they share one.
	errs := make(chan error, len(c.Home))
	for _, dir := range c.Home {
		go func() { errs <- writeFile(dir, "cgroup.procs", strconv.Itoa(pid)) }()
	}
	var all []error
	for range c.Home {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// chown lets a run-as plugin move itself between its groups.
func (c *cgroup) chown(uid, gid int) error {
	if c == nil {
		return nil
	}
	var errs []error
	for _, dir := range append(append([]string{}, c.Home...), c.Fork...) {
		errs = append(errs, os.Chown(filepath.Join(dir, "cgroup.procs"), uid, gid))
	}
	return errors.Join(errs...)
}
