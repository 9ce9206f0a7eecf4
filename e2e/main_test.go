package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

var bins harness.Binaries

func TestMain(m *testing.M) {
	var err error
	if bins, err = harness.Build(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
