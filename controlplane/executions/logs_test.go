package executions_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func TestLogStoreTruncatesAndBounds(t *testing.T) {
	store, err := executions.OpenLogStore(t.TempDir(), 4096, 100)
	if err != nil {
		t.Fatal(err)
	}
	id := state.NewUUID()
	created, err := store.Append(id, []executions.LogLine{{Message: strings.Repeat("é", 80)}}) // 160 bytes
	if err != nil || !created {
		t.Fatalf("first append: created=%v err=%v", created, err)
	}
	var many []executions.LogLine
	for i := 0; i < 200; i++ {
		many = append(many, executions.LogLine{Message: "line"})
	}
	if created, err := store.Append(id, many); err != nil || created {
		t.Fatalf("second append: created=%v err=%v", created, err)
	}
	_, _ = store.Append(id, many) // past the bound: dropped, no second notice
	f, err := store.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []executions.LogLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l executions.LogLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line not JSON: %s", sc.Bytes())
		}
		lines = append(lines, l)
	}
	if first := lines[0].Message; !strings.HasSuffix(first, executions.TruncatedSuffix) || len(first) > 100+len(executions.TruncatedSuffix) {
		t.Fatalf("long message not cut at 100 bytes: %q", first)
	}
	notices := 0
	for _, l := range lines {
		if strings.Contains(l.Message, "log limit") {
			notices++
		}
	}
	if fi, _ := f.Stat(); notices != 1 || fi.Size() > 4096+200 {
		t.Fatalf("%d notices, %d bytes: the file is not bounded", notices, fi.Size())
	}
	if _, err := store.Append("../escape", many); err == nil {
		t.Fatal("a path was accepted as an execution id")
	}
}

func TestLogRetentionDeletesOldFiles(t *testing.T) {
	dir := t.TempDir()
	store, _ := executions.OpenLogStore(dir, 1<<20, 100<<10)
	old, fresh := state.NewUUID(), state.NewUUID()
	for _, id := range []string{old, fresh} {
		_, _ = store.Append(id, []executions.LogLine{{Message: "x"}})
	}
	past := time.Now().Add(-32 * 24 * time.Hour)
	_ = os.Chtimes(filepath.Join(dir, old+".ndjson"), past, past)
	if n, err := store.Prune(time.Now().Add(-31 * 24 * time.Hour)); n != 1 || err != nil {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if _, err := store.Open(fresh); err != nil {
		t.Fatal("a fresh log was deleted")
	}
}

func TestFollowStreamsLinesUntilTheEnd(t *testing.T) {
	f := start(t)
	task := f.jobTask("chatty", nil)
	id := f.run(task, nil) // no engine yet: queued
	follow, err := f.srv.API(cptest.AdminToken).Executions().FollowLogs(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer follow.Close()
	got := make(chan string, 10)
	go func() {
		defer close(got)
		sc := bufio.NewScanner(follow.Raw())
		for sc.Scan() {
			got <- sc.Text()
		}
	}()
	ctx := context.Background()
	svc := f.srv.Executions()
	if err := svc.AppendLogs(ctx, id, []executions.LogLine{{Timestamp: time.Now(), Message: "first"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case line := <-got:
		if !strings.Contains(line, "first") {
			t.Fatalf("streamed %s", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the live tail did not stream the first line")
	}
	f.engine("engine-1", func(*state.Execution) executionstest.Behavior {
		return executionstest.Behavior{Logs: []string{"last"}}
	})
	f.wait(id, state.ExecSuccess)
	var rest []string
	for line := range got { // the stream ends once the execution ended
		rest = append(rest, line)
	}
	if len(rest) != 1 || !strings.Contains(rest[0], "last") {
		t.Fatalf("after the first line the tail sent %v", rest)
	}
	var v executions.View
	f.c.Must(t, 200, "GET", "/processing/executions/"+id, nil, &v)
	if len(v.LogNodes) != 1 || v.LogNodes[0] != f.srv.Node().ID() {
		t.Fatalf("log holders %v", v.LogNodes)
	}
}
