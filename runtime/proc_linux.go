package runtime

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// readStat returns a process's start time (clock ticks since boot,
// /proc/PID/stat field 22) and state letter.
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

// processStart returns a process's start time and whether it still runs
// (a zombie does not).
func processStart(pid int) (start uint64, running bool, err error) {
	start, state, err := readStat(pid)
	return start, state != 'Z' && state != 'X', err
}
