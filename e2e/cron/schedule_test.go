package cron

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/e2e/harness"
)

// jobArchive is a minimal job artifact (.tar.gz with artifact.json).
func jobArchive(t *testing.T, name string) []byte {
	t.Helper()
	manifest, _ := json.Marshal(map[string]any{"name": name, "version": "1.0.0", "type": "job", "entrypoint": []string{"./run.sh"}})
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for file, body := range map[string][]byte{"artifact.json": manifest, "run.sh": []byte("#!/bin/sh\n")} {
		if err := tw.WriteHeader(&tar.Header{Name: file, Mode: 0o755, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(body)
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

func publishTask(t *testing.T, addr, name string) string {
	t.Helper()
	archive := jobArchive(t, name)
	out, err := harness.NewClient(addr, testToken).API().Artifacts().Upload(context.Background(), "", bytes.NewReader(archive), int64(len(archive)))
	if err != nil || out.TaskID == "" {
		t.Fatalf("publish %s: %d %v", name, api.StatusCode(err), err)
	}
	return out.TaskID
}

// grantSharedWorkspace gives the admin every right on the default
// environment's Shared workspace, where uploads create their tasks.
func grantSharedWorkspace(t *testing.T, c *harness.Client) {
	t.Helper()
	var me struct{ ID string }
	var envs []struct{ ID string }
	if err := c.JSON("GET", "/account/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	if err := c.JSON("GET", "/orchestration/environments?name=default", nil, &envs); err != nil || len(envs) == 0 {
		t.Fatalf("default environment: %v", err)
	}
	var wss []struct{ ID, Type string }
	if err := c.JSON("GET", "/orchestration/workspaces?environmentId="+envs[0].ID, nil, &wss); err != nil {
		t.Fatal(err)
	}
	for _, ws := range wss {
		if ws.Type == "SHARED" {
			if err := c.JSON("POST", "/security/workspaces/"+ws.ID+"/users/"+me.ID+"/permissions",
				[]string{"AUTHOR", "EXECUTE", "VIEW", "MANAGE", "PUBLISH"}, nil); err != nil {
				t.Fatalf("grant: %v", err)
			}
			return
		}
	}
	t.Fatal("no Shared workspace")
}

type fireRecord struct {
	TriggerID, ExecutionID, Refusal string
	Planned                         time.Time
}

// TestCronFiresSurviveALeaderKill: five tasks with crons offset by a
// minute (`k/5 * * * ?`, Talend allows no tighter spacing per task) make
// one planned fire per minute across the cluster. The leader is killed
// with SIGKILL just after a planned minute; every planned minute from the
// first fire to the end must have exactly one recorded fire. No engine
// exists, so each fire records the run's refusal ("no run config")
// instead of an execution: the record is what the raft command writes in
// both cases.
func TestCronFiresSurviveALeaderKill(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time test (about 5 minutes)")
	}
	nodes := startCluster(t, 3)
	leader, _ := leaderOf(t, nodes)
	grantSharedWorkspace(t, harness.NewClient(leader.HTTPAddr, testToken))
	today := time.Now().UTC().Format("2006-01-02")
	var tasks []string
	for k := 0; k < 5; k++ {
		id := publishTask(t, leader.HTTPAddr, fmt.Sprintf("minute_%d", k))
		body := map[string]any{"triggers": []map[string]any{{"type": "CRON", "startDate": today, "timeZone": "UTC", "expression": fmt.Sprintf("%d/5 * * * ?", k)}}}
		if err := harness.NewClient(leader.HTTPAddr, testToken).JSON("PUT", "/orchestration/executables/tasks/"+id+"/schedule", body, nil); err != nil {
			t.Fatalf("schedule task %d: %v", k, err)
		}
		tasks = append(tasks, id)
	}
	start := time.Now().UTC().Truncate(time.Minute).Add(time.Minute) // first planned minute
	killAt := start.Add(2*time.Minute + 300*time.Millisecond)
	end := start.Add(4 * time.Minute) // last planned minute checked
	time.Sleep(time.Until(killAt))
	leader, survivors := leaderOf(t, nodes)
	leader.Kill()
	t.Logf("killed leader %s at %s", leader.ID, time.Now().UTC().Format(time.RFC3339Nano))
	time.Sleep(time.Until(end.Add(20 * time.Second)))

	c := harness.NewClient(survivors[0].HTTPAddr, testToken)
	fires := map[time.Time]int{}
	for _, id := range tasks {
		var view struct{ RecentFires []fireRecord }
		if err := c.JSON("GET", "/orchestration/executables/tasks/"+id+"/schedule?consistency=consistent", nil, &view); err != nil {
			t.Fatal(err)
		}
		for _, f := range view.RecentFires {
			if f.ExecutionID == "" && f.Refusal == "" {
				t.Errorf("fire %v of task %s has neither run nor refusal", f.Planned, id)
			}
			fires[f.Planned.UTC()]++
		}
	}
	for m := start; !m.After(end); m = m.Add(time.Minute) {
		if fires[m] != 1 {
			t.Errorf("planned minute %s fired %d times, want exactly 1", m.Format("15:04"), fires[m])
		}
	}
	for m, n := range fires {
		if m.Before(start.Add(-time.Minute)) || m.After(end.Add(time.Minute)) || n != 1 {
			t.Errorf("unexpected fire at %s (%d times)", m.Format(time.RFC3339), n)
		}
	}
}
