package runtime

import "fmt"

// procIdentity names a process by pid AND start time (clock ticks since
// boot on Linux, microseconds since the epoch on macOS, a FILETIME on
// Windows), so a recycled pid is never mistaken for it — Nomad #23969
// killed a stranger that way.
type procIdentity struct {
	Pid   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// identify returns the identity of a live pid.
func identify(pid int) (procIdentity, error) {
	start, _, err := processStart(pid)
	if err != nil {
		return procIdentity{}, fmt.Errorf("identify pid %d: %w", pid, err)
	}
	return procIdentity{Pid: pid, Start: start}, nil
}

// alive reports whether the very process id names still runs. Zombies
// count as dead: when the agent is not their parent nobody here reaps them.
func (id procIdentity) alive() bool {
	if id.Pid <= 0 {
		return false
	}
	start, running, err := processStart(id.Pid)
	return err == nil && start == id.Start && running
}

// killGroup kills the process tree led by id (a process group on Unix,
// the process and, through the plugin's Job Object, its job on Windows),
// only if the leader is still the same process. Members left after the
// leader died are the cgroup's job.
func (id procIdentity) killGroup() error {
	if !id.alive() {
		return nil
	}
	return killProcessGroup(id.Pid)
}
