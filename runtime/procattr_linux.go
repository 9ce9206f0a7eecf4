package runtime

import "syscall"

// pluginProcAttr starts a plugin as the leader of its own process group,
// as user u (nil: the agent's user), directly inside the cgroup v2 open
// as cgroupFD (-1: none).
func pluginProcAttr(u *runAsUser, cgroupFD int) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Credential: u.credential()}
	if cgroupFD >= 0 {
		attr.UseCgroupFD, attr.CgroupFD = true, cgroupFD
	}
	return attr
}
