package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestVersionAsFlagAndCommand(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetArgs(args)
		if err := cmd.Execute(); err != nil || strings.TrimSpace(out.String()) != version {
			t.Errorf("roundhouse %v = %q, %v; want %q", args, out.String(), err, version)
		}
	}
}

// A heartbeat interval or timeout the operator typed as zero or negative
// is refused before anything starts, naming the flag.
func TestServerRefusesNonPositiveHeartbeat(t *testing.T) {
	for _, args := range [][]string{
		{"--engine-heartbeat-interval", "0"},
		{"--engine-heartbeat-interval", "-5s"},
		{"--engine-heartbeat-timeout", "0s"},
	} {
		cmd := newServerCmd()
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		cmd.SetArgs(append(args, "--data-dir", t.TempDir()))
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), args[0]+" ") || !strings.Contains(err.Error(), "positive") || exitCode(err) != 2 {
			t.Errorf("server %v: %v (exit %d)", args, err, exitCode(err))
		}
	}
}
