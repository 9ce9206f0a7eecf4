//go:build unix

package runtime

import "syscall"

// credential is u for SysProcAttr (nil for the agent's own user).
func (u *runAsUser) credential() *syscall.Credential {
	if u == nil {
		return nil
	}
	return &syscall.Credential{Uid: u.Uid, Gid: u.Gid, NoSetGroups: true}
}

// runAsSupported: Unix runs a plugin as another user when the agent runs
// as root.
func runAsSupported() error { return nil }
