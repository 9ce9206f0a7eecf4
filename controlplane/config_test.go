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

func TestParseTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // the ranges, space-separated; "error" for a refusal
	}{
		{"", ""},
		{"10.0.0.5", "10.0.0.5/32"},
		{"10.0.0.5, 10.1.2.3/16,::1", "10.0.0.5/32 10.1.0.0/16 ::1/128"},
		{"::ffff:10.0.0.5", "10.0.0.5/32"},
		{"10.0.0.0/33", "error"},
		{"proxy.example", "error"},
	} {
		got, err := ParseTrustedProxies(tc.in)
		var ranges []string
		for _, p := range got {
			ranges = append(ranges, p.String())
		}
		if tc.want == "error" {
			if err == nil || !strings.Contains(err.Error(), "CIDR") {
				t.Errorf("%q: %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || strings.Join(ranges, " ") != tc.want {
			t.Errorf("%q: %v %v, want %s", tc.in, ranges, err, tc.want)
		}
	}
}
