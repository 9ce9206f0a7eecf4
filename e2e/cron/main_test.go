// Package cron holds the real-time scheduler scenario (cron fires across
// a leader kill). It is its own test package, apart from e2e, because it
// spends minutes waiting for planned minutes: `go test ./...` then runs it
// alongside the other packages instead of after them.
package cron

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

const testToken = "rhp_e2e-bootstrap-token-0123456789abcdefghijklmnop"

var (
	bins     harness.Binaries
	fastRaft = []string{"--raft-snapshot-entries", "200", "--raft-trailing-logs", "50", "--raft-snapshot-interval", "250ms"}
)

func TestMain(m *testing.M) {
	harness.MarkRun()
	var err error
	if bins, err = harness.Build(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e/cron: build:", err)
		os.Exit(1)
	}
	code := m.Run()
	if n := harness.Reap(filepath.Dir(bins.Engine)); n > 0 {
		fmt.Fprintf(os.Stderr, "e2e/cron: killed %d process(es) the tests left running\n", n)
	}
	os.Exit(code)
}

func startCluster(t *testing.T, size int) []*harness.Node {
	t.Helper()
	return harness.StartCluster(t, bins, size, testToken, fastRaft)
}

func leaderOf(t *testing.T, nodes []*harness.Node) (*harness.Node, []*harness.Node) {
	t.Helper()
	return harness.LeaderOf(t, nodes)
}
