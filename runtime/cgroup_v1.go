//go:build linux

package runtime

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cgroupV1 uses the memory, cpu and pids hierarchies of cgroup v1 (our own
// machines: v2 is mounted with no controllers). Placement happens after
// the plugin starts (CLONE_INTO_CGROUP needs v2), before it runs any work.
type cgroupV1 struct {
	parents map[string]string // controller → parent dir
}

var v1Controllers = []string{"memory", "cpu", "pids"}

// selfCgroups maps each v1 controller to this process's cgroup path.
func selfCgroups() (map[string]string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, ctrl := range strings.Split(parts[1], ",") {
			out[ctrl] = parts[2]
		}
	}
	return out, sc.Err()
}

func newCgroupV1(parent string) (*cgroupV1, error) {
	self, err := selfCgroups()
	if err != nil {
		return nil, fmt.Errorf("cgroup v1: %w", err)
	}
	d := &cgroupV1{parents: map[string]string{}}
	for _, ctrl := range v1Controllers {
		mount := filepath.Join(cgroupRoot, ctrl)
		if _, err := os.Stat(filepath.Join(mount, "cgroup.procs")); err != nil {
			return nil, fmt.Errorf("cgroup v1: no %s hierarchy: %w", ctrl, err)
		}
		dir := filepath.Join(mount, self[ctrl], parent)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cgroup v1: %w", err)
		}
		d.parents[ctrl] = dir
	}
	return d, nil
}

func (d *cgroupV1) version() string { return CgroupsV1 }

func (d *cgroupV1) create(id string, l Limits, allowance int) (*cgroup, error) {
	cg := &cgroup{Version: CgroupsV1, Dirs: map[string]string{}}
	for ctrl, parent := range d.parents {
		dir := filepath.Join(parent, id)
		if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
			cg.remove()
			return nil, fmt.Errorf("cgroup v1: %w", err)
		}
		cg.Dirs[ctrl] = dir
		if ctrl != "pids" {
			cg.Home = append(cg.Home, dir)
		}
	}
	for _, sub := range []string{"plugin", "job"} {
		dir := filepath.Join(cg.Dirs["pids"], sub)
		if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
			cg.remove()
			return nil, fmt.Errorf("cgroup v1: %w", err)
		}
		cg.Dirs["pids/"+sub] = dir
	}
	cg.Home = append(cg.Home, cg.Dirs["pids/plugin"])
	cg.Fork = []string{cg.Dirs["pids/job"]}
	if err := d.limit(cg, l, allowance); err != nil {
		cg.remove()
		return nil, err
	}
	return cg, nil
}

// limit writes every limit, "unlimited" where l has none, so a reused
// group carries nothing over from its previous job.
func (d *cgroupV1) limit(cg *cgroup, l Limits, allowance int) error {
	mem := "-1"
	if l.MemoryMB > 0 {
		mem = strconv.FormatInt(int64(l.MemoryMB)<<20, 10)
	}
	// memsw must stay >= the memory limit: raise it first, lower it after.
	// Not every kernel has swap accounting; without swap it is moot.
	_ = writeFile(cg.Dirs["memory"], "memory.memsw.limit_in_bytes", "-1")
	if err := writeFile(cg.Dirs["memory"], "memory.limit_in_bytes", mem); err != nil {
		return err
	}
	_ = writeFile(cg.Dirs["memory"], "memory.memsw.limit_in_bytes", mem)
	quota := "-1"
	if l.CPUMillis > 0 {
		quota = strconv.Itoa(l.CPUMillis * 100)
	}
	if err := writeFile(cg.Dirs["cpu"], "cpu.cfs_period_us", "100000"); err != nil {
		return err
	}
	if err := writeFile(cg.Dirs["cpu"], "cpu.cfs_quota_us", quota); err != nil {
		return err
	}
	all, job := "max", "max"
	if l.MaxProcesses > 0 {
		all, job = strconv.Itoa(l.MaxProcesses+allowance), strconv.Itoa(l.MaxProcesses)
	}
	if err := writeFile(cg.Dirs["pids"], "pids.max", all); err != nil {
		return err
	}
	return writeFile(cg.Dirs["pids/job"], "pids.max", job)
}
