package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func run(t *testing.T, cmd *cobra.Command, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestInstallPrintsAUnitThatKeepsWorkloadsOnRestart(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, newInstallCmd(), "--print", "--data-dir", dir, "--user", "engine")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ExecStart=", " run --data-dir " + dir, "KillMode=process", "RestartPreventExitStatus=3", "User=engine"} {
		if !strings.Contains(out, want) {
			t.Errorf("unit lacks %q:\n%s", want, out)
		}
	}
	unit := filepath.Join(dir, "roundhouse-engine.service")
	if _, err := run(t, newInstallCmd(), "--data-dir", dir, "--unit-path", unit); err != nil {
		t.Fatalf("write unit: %v", err)
	}
}

func TestStatusOfAnUnpairedEngineSaysHowToPair(t *testing.T) {
	out, err := run(t, newStatusCmd(), "--data-dir", t.TempDir())
	if err != nil || !strings.Contains(out, "paired:         no") || !strings.Contains(out, "roundhouse-engine pair") {
		t.Fatalf("status: %v\n%s", err, out)
	}
}

func TestPairRefusesMissingInputClearly(t *testing.T) {
	t.Setenv("ROUNDHOUSE_PAIR_KEY", "")
	for name, args := range map[string][]string{
		"no key":    {"--server", "127.0.0.1:1"},
		"no server": {"--key", "rhpk1.x.y.z"},
		"bad key":   {"--server", "127.0.0.1:1", "--key", "garbage"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := run(t, newPairCmd(), append(args, "--data-dir", t.TempDir())...)
			if err == nil {
				t.Fatal("pair succeeded")
			}
			if !strings.Contains(err.Error(), "key") && !strings.Contains(err.Error(), "server") {
				t.Fatalf("unclear error: %v", err)
			}
		})
	}
}

func TestVersionAsFlagAndCommand(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, err := run(t, newRootCmd(), args...)
		if err != nil || strings.TrimSpace(out) != version {
			t.Errorf("roundhouse-engine %v = %q, %v; want %q", args, out, err, version)
		}
	}
}
