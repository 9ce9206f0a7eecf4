package e2e

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

// A node whose configured listener is taken by another process exits with
// status 2 and a message naming the flag and the address, instead of
// running without the part it cannot serve.
func TestNodeWithATakenPortExitsWithStatus2(t *testing.T) {
	tests := []struct{ name, flag string }{
		{"engine QUIC port", "--quic-addr"},
		{"raft port", "--raft-addr"},
		{"API port", "--http-addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addrs := map[string]string{
				"--http-addr": fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t)),
				"--raft-addr": fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t)),
				"--quic-addr": fmt.Sprintf("127.0.0.1:%d", harness.FreeUDPPort(t)),
			}
			closeSquatter := squat(t, tt.flag, addrs[tt.flag])
			defer closeSquatter()
			args := []string{"server", "--data-dir", filepath.Join(t.TempDir(), "n1"), "--node-id", "n1", "--log-level", "warn"}
			for flag, addr := range addrs {
				args = append(args, flag, addr)
			}
			p := harness.Start(t, "node n1", bins.Server, []string{"ROUNDHOUSE_BOOTSTRAP_TOKEN=" + testToken}, args...)
			harness.WaitFor(t, "the node to exit", 30*time.Second, p.Exited)
			if code := p.ExitCode(); code != 2 {
				t.Fatalf("exit status %d, want 2; output:\n%s", code, p.Output())
			}
			out := p.Output()
			for _, want := range []string{tt.flag, addrs[tt.flag], "address already in use"} {
				if !strings.Contains(out, want) {
					t.Errorf("output does not name %q:\n%s", want, out)
				}
			}
		})
	}
}

// squat binds addr the way the node would (UDP for the engine link, TCP
// otherwise) and returns the function releasing it.
func squat(t *testing.T, flag, addr string) func() {
	t.Helper()
	if flag == "--quic-addr" {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		return func() { pc.Close() }
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return func() { ln.Close() }
}

// The README promises a restarted node ignores --join once it has state:
// restarting a joined node with its original command line but without the
// join token brings it back as a member.
func TestJoinedNodeRestartsWithItsCommandLineAndNoToken(t *testing.T) {
	nodes := harness.StartCluster(t, bins, 3, testToken, nil) // n2 and n3 joined n1
	second := nodes[1]
	c := harness.NewClient(nodes[0].HTTPAddr, testToken)
	if err := c.JSON("POST", "/orchestration/environments", map[string]string{"name": "written-before-restart"}, nil); err != nil {
		t.Fatal(err)
	}

	second.RestartWithEnv(nil) // same --join flag, no ROUNDHOUSE_TOKEN
	deadline := time.Now().Add(30 * time.Second)
	for {
		if second.Exited() {
			t.Fatalf("the restarted node exited with status %d:\n%s", second.ExitCode(), second.Output())
		}
		names, err := tryEnvironmentNames(second)
		if err == nil && names["written-before-restart"] {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted node did not serve the cluster's state within 30 s (last answer %v %v):\n%s", names, err, second.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
