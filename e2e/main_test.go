package e2e

import (
	"testing"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

var bins harness.Binaries

func TestMain(m *testing.M) { harness.Main(m, "e2e", &bins) }
