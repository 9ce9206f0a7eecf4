package harness

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// RunMarker is the environment variable MarkRun sets; every process the
// tests start inherits it, and so do the plugins and services an agent
// starts from its own environment.
const RunMarker = "ROUNDHOUSE_E2E_RUN"

// MarkRun tags this test binary's environment so that Reap can find what
// it started. Call it in TestMain before any process starts.
func MarkRun() {
	_ = os.Setenv(RunMarker, strconv.Itoa(os.Getpid()))
}

// Reap kills every process still carrying this run's marker or running a
// binary from one of binDirs (the agent re-executes itself for plugins,
// which do not inherit its environment), with its process group so the
// services a plugin started go too: workloads outlive a killed agent on
// purpose (an agent restart kills nothing), so without this a test that
// ends with an agent gone would leave them running after the test binary
// exits. Returns how many processes were found.
func Reap(binDirs ...string) int {
	want := []byte(RunMarker + "=" + strconv.Itoa(os.Getpid()) + "\x00")
	entries, _ := os.ReadDir("/proc")
	found := 0
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if !startedByRun(ent.Name(), want, binDirs) {
			continue
		}
		found++
		if pgid, err := syscall.Getpgid(pid); err == nil && pgid != syscall.Getpgrp() {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return found
}

func startedByRun(pid string, marker []byte, binDirs []string) bool {
	if env, err := os.ReadFile("/proc/" + pid + "/environ"); err == nil && bytes.Contains(append(env, 0), marker) {
		return true
	}
	exe, err := os.Readlink("/proc/" + pid + "/exe")
	if err != nil {
		return false
	}
	for _, dir := range binDirs {
		if strings.HasPrefix(exe, dir+string(os.PathSeparator)) {
			return true
		}
	}
	return false
}

// Main is a test package's TestMain: it marks the run, builds the binaries
// into *bins, runs the tests, reaps what they left running and exits with
// their status. name prefixes its messages.
func Main(m interface{ Run() int }, name string, bins *Binaries) {
	MarkRun()
	var err error
	if *bins, err = Build(); err != nil {
		fmt.Fprintln(os.Stderr, name+": build:", err)
		os.Exit(1)
	}
	code := m.Run()
	if n := Reap(filepath.Dir(bins.Engine)); n > 0 {
		fmt.Fprintf(os.Stderr, "%s: killed %d process(es) the tests left running\n", name, n)
	}
	os.Exit(code)
}
