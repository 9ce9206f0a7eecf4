package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

var bins harness.Binaries

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == roleWeb {
		serveWeb() // a deployed service's program (deploy_engine_test.go)
		return
	}
	var err error
	if bins, err = harness.Build(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
