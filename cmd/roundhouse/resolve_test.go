package main

import (
	"strings"
	"testing"
)

func TestPickByIDOrName(t *testing.T) {
	type item struct{ id, name string }
	list := []item{{"18ef21a3a55cff563d06f4de", "nightly"}, {"18ef21a3a625f1023d94cdbc", "team"}, {"18ef21a3a625f1023d94cdbd", "Team"}}
	id := func(i item) string { return i.id }
	name := func(i item) string { return i.name }
	for _, tc := range []struct {
		ref, want, wantErr string
	}{
		{"18ef21a3a55cff563d06f4de", "18ef21a3a55cff563d06f4de", ""},
		{"NIGHTLY", "18ef21a3a55cff563d06f4de", ""},
		{"team", "", `2 things are named "team"; give one of their IDs:`},
		{"weekly", "", `no thing with ID or name "weekly"`},
		{"0123456789abcdef01234567", "0123456789abcdef01234567", ""}, // an ID not listed: the server answers
	} {
		got, err := pick("thing", tc.ref, list, id, name, func(i item) string { return i.id + " " + i.name })
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("pick(%q) = %q, %v; want an error with %q", tc.ref, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("pick(%q) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
}
