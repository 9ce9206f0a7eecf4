package enginelink

import "testing"

func TestVersionPolicy(t *testing.T) {
	tests := []struct {
		min, agent string
		supported  bool
	}{
		{"", "0.1.0", true},
		{"", "dev", true},
		{"", "", true},
		{"1.4.0", "1.4.0", true},
		{"1.4.0", "v1.4.0", true},
		{"1.4.0", "1.10.0", true},
		{"1.4.0", "2.0", true},
		{"1.4.0", "v1.4.0-3-gabc123-dirty", true}, // a build after the tag
		{"1.4", "1.4.0", true},
		{"1.4.0", "1.3.9", false},
		{"1.4.0", "1.2", false},
		{"1.4.0", "0.9.12", false},
		{"1.4.0", "dev", false},
		{"1.4.0", "", false},
		{"1.4.0", "1.x.0", false},
		{"1.4.0", "1.4.0.1", false},
		{"v2", "1.99.99", false},
		// Build metadata (the commit a release was built from) is ignored.
		{"0.9.0", "0.9.0+abc1234", true},
		{"0.9.0", "0.9.0+abc1234.dirty", true},
		{"0.9.0+abc1234", "0.9.0", true},
		{"0.9.1", "0.9.0+abc1234", false},
		{"0.9.0", "abc1234", false}, // what git describe gave an untagged clone
	}
	for _, tt := range tests {
		p, err := newVersionPolicy(tt.min)
		if err != nil {
			t.Fatalf("minimum %q: %v", tt.min, err)
		}
		why := p.unsupported(tt.agent)
		if (why == "") != tt.supported {
			t.Errorf("minimum %q, agent %q: supported %t (%q), want %t", tt.min, tt.agent, why == "", why, tt.supported)
		}
	}
}

func TestBadMinimumVersionIsRefused(t *testing.T) {
	for _, m := range []string{"latest", "1..2", "-1.0", "1.2.3.4"} {
		if _, err := newVersionPolicy(m); err == nil {
			t.Errorf("minimum %q accepted", m)
		}
	}
}
