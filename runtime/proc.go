package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// procIdentity names a process by pid AND start time (clock ticks since
// boot, /proc/PID/stat field 22), so a recycled pid is never mistaken for
// it — Nomad #23969 killed a stranger that way.
type procIdentity struct {
	Pid   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// readStat returns a process's start time and state letter.
func readStat(pid int) (start uint64, state byte, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: parse
	// from the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return 0, 0, fmt.Errorf("pid %d: malformed stat", pid)
	}
	fields := bytes.Fields(data[i+2:])
	// fields[0] is field 3 (state); start time is field 22.
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("pid %d: short stat", pid)
	}
	start, err = strconv.ParseUint(string(fields[19]), 10, 64)
	return start, fields[0][0], err
}

// identify returns the identity of a live pid.
func identify(pid int) (procIdentity, error) {
	start, _, err := readStat(pid)
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
	start, state, err := readStat(id.Pid)
	return err == nil && start == id.Start && state != 'Z' && state != 'X'
}

// killGroup sends sig to the process group led by id, only if the leader
// is still the same process. Members left after the leader died are the
// cgroup's job.
func (id procIdentity) killGroup(sig syscall.Signal) error {
	if !id.alive() {
		return nil
	}
	err := syscall.Kill(-id.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		// Not a group leader (or the group is gone): the process alone.
		err = syscall.Kill(id.Pid, sig)
	}
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
