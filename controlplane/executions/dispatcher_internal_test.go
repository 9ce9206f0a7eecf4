package executions

import "testing"

func TestLeastBusy(t *testing.T) {
	cases := []struct {
		name    string
		engines []string
		load    map[string]int
		want    string
	}{
		{"none available", nil, nil, ""},
		{"idle first", []string{"a", "b"}, map[string]int{"a": 1}, "b"},
		{"ties by id", []string{"c", "b", "a"}, map[string]int{}, "a"},
		{"least busy", []string{"a", "b", "c"}, map[string]int{"a": 2, "b": 1, "c": 2}, "b"},
		{"all at the cap", []string{"a", "b"}, map[string]int{"a": 3, "b": 3}, ""},
		{"skips the full one", []string{"a", "b"}, map[string]int{"a": 3, "b": 2}, "b"},
	}
	for _, c := range cases {
		if got := leastBusy(c.engines, c.load, 3); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
