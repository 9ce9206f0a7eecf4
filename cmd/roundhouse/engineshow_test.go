package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/engines"
	"github.com/roundhouse/roundhouse/protocol"
)

// engines show and ls print the last heartbeat and load the control plane
// recorded, and say so when an engine was never heard from.
func TestEngineShowAndListPrintLastHeartbeatAndLoad(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	var envs []struct{ ID, Name string }
	c.Must(t, 200, "GET", "/orchestration/environments", nil, &envs)
	var heard, silent struct{ ID, PreAuthorizedKey string }
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "heard", "environmentId": envs[0].ID}, &heard)
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "silent", "environmentId": envs[0].ID}, &silent)
	dir := engines.NewDirectory(srv.Node())
	ctx := context.Background()
	key, _ := protocol.ParsePairKey(heard.PreAuthorizedKey)
	serial, _ := protocol.NewSerial()
	if _, err := dir.Pair(ctx, enginelink.PairRequest{KeyID: key.ID, SecretHash: key.SecretHash(), CertSerial: protocol.SerialString(serial), Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// What the heartbeat monitor writes.
	// After the pairing, which counts as the first heartbeat: a record no
	// later than it (same millisecond) is ignored as a late write.
	at := time.Now().Add(5 * time.Millisecond)
	sum := protocol.HostSummary{CPUPercent: 12.5, MemoryPercent: 61.5, DiskFreeBytes: 42 << 30, RunningWork: 2}
	if _, err := dir.RecordHeartbeats(ctx, []enginelink.HeartbeatRecord{{EngineID: heard.ID, At: at, Summary: &sum}}); err != nil {
		t.Fatal(err)
	}

	t.Setenv("ROUNDHOUSE_SERVER", srv.URL)
	t.Setenv("ROUNDHOUSE_TOKEN", cptest.AdminToken)
	run := func(args ...string) string {
		t.Helper()
		flags := clientFlags{configPath: filepath.Join(t.TempDir(), "none.json")}
		cmd := newEngineCmd(&flags)
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(args)
		if err := cmd.ExecuteContext(ctx); err != nil {
			t.Fatalf("engines %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"show", heard.ID}, []string{"status:         PAIRED", "last heartbeat: " + at.UTC().Format(time.RFC3339) + " (",
			"cpu:            12.5%", "memory:         61.5%", "disk free:      42.0 GiB", "running work:   2"}},
		{[]string{"show", silent.ID}, []string{"status:         NOT_PAIRED", "last heartbeat: never"}},
		{[]string{"ls"}, []string{"LAST HEARTBEAT", "s ago", "12.5%", "61.5%"}},
	} {
		out := run(c.args...)
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("engines %v does not print %q:\n%s", c.args, w, out)
			}
		}
	}
}
