package identity_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane"
)

type controlplaneConfig = controlplane.Config

func decodeJSON(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

func mustUnmarshal(t *testing.T, raw []byte, v any) error {
	t.Helper()
	return json.Unmarshal(raw, v)
}
