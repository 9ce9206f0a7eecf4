package runtime

import "syscall"

// pluginProcAttr starts a plugin as the leader of its own process group,
// as user u (nil: the agent's user). macOS has no cgroups: cgroupFD is
// always -1.
func pluginProcAttr(u *runAsUser, _ int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: u.credential()}
}
