package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

var bins harness.Binaries

func TestMain(m *testing.M) {
	harness.MarkRun()
	var err error
	if bins, err = harness.Build(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build:", err)
		os.Exit(1)
	}
	code := m.Run()
	if n := harness.Reap(filepath.Dir(bins.Engine)); n > 0 {
		fmt.Fprintf(os.Stderr, "e2e: killed %d process(es) the tests left running\n", n)
	}
	os.Exit(code)
}
