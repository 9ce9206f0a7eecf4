package state

import (
	"maps"
	"testing"
)

func TestExecutionParamsMergeAndShare(t *testing.T) {
	defaults := map[string]string{"A": "1", "B": "2"}
	task := map[string]string{"A": "task", "B": "2"}
	partial := map[string]string{"A": "task"}
	cases := []struct {
		name      string
		task, run map[string]string
		want      map[string]string
		shares    map[string]string // the map expected to be reused, if any
	}{
		{"defaults only", nil, nil, defaults, defaults},
		{"task covers every default", task, nil, map[string]string{"A": "task", "B": "2"}, task},
		{"task sets some", partial, nil, map[string]string{"A": "task", "B": "2"}, nil},
		{"run overrides", task, map[string]string{"B": "run", "C": "3"}, map[string]string{"A": "task", "B": "run", "C": "3"}, nil},
	}
	for _, c := range cases {
		got := executionParams(defaults, c.task, c.run)
		if !maps.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if c.shares != nil && !sameMap(got, c.shares) {
			t.Errorf("%s: a copy where the map could be shared", c.name)
		}
		if c.shares == nil && (sameMap(got, defaults) || sameMap(got, c.task)) {
			t.Errorf("%s: shares a map it changes", c.name)
		}
	}
}

// sameMap reports whether a and b are the same map (not just equal).
func sameMap(a, b map[string]string) bool {
	if a == nil || b == nil {
		return false
	}
	a["\x00probe"] = "x"
	_, same := b["\x00probe"]
	delete(a, "\x00probe")
	return same
}
