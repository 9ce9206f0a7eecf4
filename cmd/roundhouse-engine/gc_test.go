package main

import (
	"runtime/debug"
	"testing"
)

func TestAgentGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct {
		name    string
		percent int
		gogc    string
		want    int // the runtime's percentage after tuning
		bad     bool
	}{
		{name: "default", want: defaultAgentGCPercent},
		{name: "GOGC set wins over the default", gogc: "80", want: 100},
		{name: "explicit", percent: 30, gogc: "80", want: 30},
		{name: "leave the runtime alone", percent: -1, want: 100},
		{name: "nonsense refused", percent: -7, want: 100, bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("GOGC", c.gogc)
			debug.SetGCPercent(100)
			err := tuneAgentGC(c.percent)
			if (err != nil) != c.bad {
				t.Fatalf("tune %d: %v", c.percent, err)
			}
			if got := debug.SetGCPercent(100); got != c.want {
				t.Fatalf("GC percent %d, want %d", got, c.want)
			}
		})
	}
}
