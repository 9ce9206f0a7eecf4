//go:build linux

package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cgroupV2 uses the unified hierarchy: one dir per workload under
// /sys/fs/cgroup/PARENT, limits in memory.max, cpu.max and pids.max, and
// cgroup.kill to end the whole group at once.
type cgroupV2 struct {
	parent string
}

func newCgroupV2(parent string) (*cgroupV2, error) {
	ctrls, err := os.ReadFile(filepath.Join(cgroupRoot, "cgroup.controllers"))
	if err != nil {
		return nil, fmt.Errorf("cgroup v2: %w", err)
	}
	have := strings.Fields(string(ctrls))
	for _, want := range []string{"memory", "cpu", "pids"} {
		if !contains(have, want) {
			return nil, fmt.Errorf("cgroup v2: controller %s not available (have %v)", want, have)
		}
	}
	dir := filepath.Join(cgroupRoot, parent)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cgroup v2: %w", err)
	}
	// Controllers must be enabled top-down for the workload groups.
	for _, d := range []string{cgroupRoot, dir} {
		if err := writeFile(d, "cgroup.subtree_control", "+memory +cpu +pids"); err != nil {
			return nil, fmt.Errorf("cgroup v2: %w", err)
		}
	}
	return &cgroupV2{parent: dir}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (d *cgroupV2) version() string { return CgroupsV2 }

func (d *cgroupV2) create(id string, l Limits, allowance int) (*cgroup, error) {
	dir := filepath.Join(d.parent, id)
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return nil, fmt.Errorf("cgroup v2: %w", err)
	}
	// One flat group (placement at clone time); the split of the pids
	// limit done for v1 is not done here.
	cg := &cgroup{Version: CgroupsV2, Dirs: map[string]string{"unified": dir}, Home: []string{dir}}
	if err := d.limit(cg, l, allowance); err != nil {
		cg.remove()
		return nil, err
	}
	return cg, nil
}

// limit writes every limit, "max" where l has none, so a reused group
// carries nothing over from its previous job.
func (d *cgroupV2) limit(cg *cgroup, l Limits, allowance int) error {
	dir := cg.Dirs["unified"]
	mem, cpu, pids := "max", "max 100000", "max"
	if l.MemoryMB > 0 {
		mem = strconv.FormatInt(int64(l.MemoryMB)<<20, 10)
	}
	if l.CPUMillis > 0 {
		cpu = strconv.Itoa(l.CPUMillis*100) + " 100000"
	}
	if l.MaxProcesses > 0 {
		pids = strconv.Itoa(l.MaxProcesses + allowance)
	}
	if err := writeFile(dir, "memory.max", mem); err != nil {
		return err
	}
	_ = writeFile(dir, "memory.swap.max", "0")
	if err := writeFile(dir, "cpu.max", cpu); err != nil {
		return err
	}
	return writeFile(dir, "pids.max", pids)
}

// openDir returns an fd for CLONE_INTO_CGROUP (v2 only), or -1.
func (c *cgroup) openDir() (int, func(), error) {
	if c == nil {
		return -1, func() {}, nil
	}
	dir, ok := c.Dirs["unified"]
	if !ok {
		return -1, func() {}, nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return -1, func() {}, fmt.Errorf("cgroup v2: %w", err)
	}
	return int(f.Fd()), func() { f.Close() }, nil
}
