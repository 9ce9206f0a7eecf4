package controlplane

import (
	"strings"
	"testing"
)

func TestEngineMinVersionIsCheckedAtStart(t *testing.T) {
	tests := []struct {
		min string
		ok  bool
	}{{"", true}, {"1.4.0", true}, {"v2.1", true}, {"latest", false}, {"1.4.0.9", false}}
	for _, tt := range tests {
		err := Config{EngineMinVersion: tt.min}.WithDefaults().Validate()
		if tt.ok && err != nil {
			t.Errorf("--engine-min-version %q refused: %v", tt.min, err)
		}
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "--engine-min-version")) {
			t.Errorf("--engine-min-version %q: %v, want an error naming the flag", tt.min, err)
		}
	}
}
