//go:build linux

package runtime

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// runTestAgent is a minimal agent: args are STATEDIR MODE RELEASE MARK.
// "start" starts two jobs (each ends once the file RELEASE-N exists), a
// third with a 2 s timeout, and a microservice, then blocks (the test
// kills it with SIGKILL); "reattach" opens the same state dir, reports
// what it found, waits for the jobs' results, and stops the service.
func runTestAgent(args []string) {
	state, mode, release, mark := args[0], args[1], args[2], args[3]
	onLog := func(id string, l plugins.LogLine) { fmt.Printf("LOG %s %d %s\n", id, l.Seq, l.Text) }
	s, err := New(Config{StateDir: state, PluginCommand: testPluginCommand, StopGrace: time.Second, Logger: quietLogger(), OnLog: onLog})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	ctx := context.Background()
	switch mode {
	case "start":
		for _, n := range []string{"1", "2"} {
			if _, err := s.StartJob(ctx, Spec{ID: "job" + n, Entrypoint: self("rh-wait", release+"-"+n, mark+"-"+n)}); err != nil {
				fmt.Println("ERROR", err)
				os.Exit(1)
			}
		}
		// job3 never ends by itself: its deadline, saved with it, must
		// still hold under the next agent.
		if _, err := s.StartJob(ctx, Spec{ID: "job3", Entrypoint: self("rh-sleep", mark+"-3"), Timeout: 2 * time.Second}); err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		h, err := s.StartService(ctx, Spec{ID: "svc1", Name: "web", Version: "v1", Entrypoint: self("rh-web", mark), Parameters: map[string]string{"VERSION": "v1"}})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := h.WaitHealthy(hctx); err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		fmt.Println("STARTED", h.Info().Port)
		select {} // until SIGKILL
	case "reattach":
		for _, in := range s.List() {
			fmt.Println("STATE", in.ID, in.State, in.Reattached, in.Port)
		}
		if h, err := s.Get("svc1"); err == nil {
			// The test sent one request while no agent was running.
			st, err := h.Status(ctx)
			fmt.Println("METRICS", st.Healthy, st.Metrics.Total, err)
		}
		for _, id := range []string{"job1", "job2", "job3"} {
			h, err := s.Get(id)
			if err != nil {
				fmt.Println("ERROR", err)
				os.Exit(1)
			}
			r, _ := h.Wait(ctx)
			fmt.Println("RESULT", r.ID, r.Status, r.Processed)
			s.Release(id)
		}
		r, err := s.Stop(ctx, "svc1")
		fmt.Println("STOPPED", r.ID, r.Status, err)
		s.Close()
	}
}

func expectLine(t *testing.T, lines <-chan string, prefix string, all *[]string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("agent exited before printing %q; output: %q", prefix, *all)
			}
			*all = append(*all, l)
			if strings.HasPrefix(l, "ERROR") {
				t.Fatalf("agent: %s", l)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			t.Fatalf("no %q from agent; output: %q", prefix, *all)
		}
	}
}

func startAgent(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"rh-agent"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, lineReader(t, bufio.NewScanner(out))
}

func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestKillAgentWorkloadsSurviveAndReattach(t *testing.T) {
	state := shortTempDir(t)
	release := state + "/release"
	mark := marker()
	t.Cleanup(func() { killMarked(mark) }) // only matters when the test fails
	var out []string
	agent1, lines1 := startAgent(t, state, "start", release, mark)
	started := expectLine(t, lines1, "STARTED", &out)
	port := strings.Fields(started)[1]

	// Once the log position is saved (about every second), a restart
	// does not deliver those lines again.
	eventually(t, 5*time.Second, "the service's log position saved", func() bool {
		_, err := os.Stat(state + "/workloads/svc1/" + logCursorFile)
		return err == nil
	})
	agent1.Process.Kill() // SIGKILL: no cleanup of any kind
	agent1.Wait()
	for range lines1 {
	}

	// All workloads outlive their agent.
	if got := procsWith(mark); len(got) < 3 {
		t.Fatalf("after kill -9 of the agent only %d workload processes run", len(got))
	}
	if body, err := get("http://127.0.0.1:" + port + "/"); err != nil || body != "v1" {
		t.Fatalf("service after agent death: %q %v", body, err)
	}
	// job1 finishes while no agent runs: its plugin keeps the outcome.
	os.WriteFile(release+"-1", nil, 0o644)
	noStrays(t, mark+"-1")

	agent2, lines2 := startAgent(t, state, "reattach", release, mark)
	job1 := expectLine(t, lines2, "STATE job1", &out)
	job2 := expectLine(t, lines2, "STATE job2", &out)
	svc := expectLine(t, lines2, "STATE svc1", &out)
	// job1 ended while no agent ran; by now the new agent may have its result.
	if (job1 != "STATE job1 RUNNING true 0" && job1 != "STATE job1 EXITED true 0") || job2 != "STATE job2 RUNNING true 0" || svc != "STATE svc1 RUNNING true "+port {
		t.Fatalf("reattached state: %q, %q, %q", job1, job2, svc)
	}
	if l := expectLine(t, lines2, "METRICS", &out); l != "METRICS true 1 <nil>" {
		t.Fatalf("service health and metrics after reattach: %q", l)
	}
	if l := expectLine(t, lines2, "RESULT", &out); l != "RESULT job1 SUCCEEDED 42" {
		t.Fatalf("result line %q", l)
	}
	os.WriteFile(release+"-2", nil, 0o644) // job2 finishes under the new agent
	if l := expectLine(t, lines2, "RESULT", &out); l != "RESULT job2 SUCCEEDED 42" {
		t.Fatalf("result line %q", l)
	}
	if l := expectLine(t, lines2, "RESULT", &out); l != "RESULT job3 TIMEOUT 0" {
		t.Fatalf("result line %q", l)
	}
	if l := expectLine(t, lines2, "STOPPED", &out); l != "STOPPED svc1 STOPPED <nil>" {
		t.Fatalf("stop line %q", l)
	}
	for l := range lines2 {
		out = append(out, l)
	}
	agent2.Wait()
	results, svcFirstLine := 0, 0
	for _, l := range out {
		if strings.HasPrefix(l, "RESULT") {
			results++
		}
		if strings.HasPrefix(l, "LOG svc1 0 serving v1") {
			svcFirstLine++
		}
	}
	if svcFirstLine != 1 {
		t.Fatalf("the service's first log line was delivered %d times across the restart: %q", svcFirstLine, out)
	}
	if results != 3 {
		t.Fatalf("%d results reported for 3 jobs: %q", results, out)
	}
	noStrays(t, mark)
	// The idle warm plugins agent 1 left behind were reaped by agent 2,
	// whose own ones went with its Close.
	left, _ := os.ReadDir(state + "/warm")
	if len(left) != 0 {
		t.Fatalf("warm plugins left: %d", len(left))
	}
}
