//go:build !linux

package runtime

// detectCgroups finds no driver: cgroups exist only on Linux. Memory, CPU
// and process limits are then not enforced, and New logs why.
func detectCgroups(mode, _ string) (cgroupDriver, string) {
	if mode == CgroupsOff {
		return nil, "cgroups disabled by configuration"
	}
	return nil, "cgroups exist only on Linux"
}

// Without a driver no workload ever has a cgroup: these methods are only
// called on a nil *cgroup, and do nothing, as on Linux.

func (c *cgroup) kill() error                   { return nil }
func (c *cgroup) killJob() error                { return nil }
func (c *cgroup) remove() error                 { return nil }
func (c *cgroup) oomKills() int64               { return 0 }
func (c *cgroup) pidsMaxHits() int64            { return 0 }
func (c *cgroup) place(int) error               { return nil }
func (c *cgroup) chown(int, int) error          { return nil }
func (c *cgroup) openDir() (int, func(), error) { return -1, func() {}, nil }
