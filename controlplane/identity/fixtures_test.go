package identity_test

import (
	"encoding/json"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane"
)

type controlplaneConfig = controlplane.Config

func mustUnmarshal(t *testing.T, raw []byte, v any) error {
	t.Helper()
	return json.Unmarshal(raw, v)
}
