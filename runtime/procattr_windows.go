package runtime

import (
	"errors"
	"syscall"

	"golang.org/x/sys/windows"
)

// pluginProcAttr starts a plugin in its own console process group, so
// that Ctrl-C to the agent does not reach workloads. Windows has no
// cgroups (cgroupFD is always -1) and no run-as (u is always nil:
// credential refuses it first).
func pluginProcAttr(_ *runAsUser, _ int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
}

// runAsSupported refuses run-as: starting a process as another Windows
// account needs that account's password or token, which run profiles do
// not carry.
func runAsSupported() error {
	return errors.New("running a workload as another user is not supported on Windows engines")
}
