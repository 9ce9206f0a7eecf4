package main

import (
	"testing"
	"time"
)

func TestQuantileIsNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	r := loadResult{lat: lat}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := r.quantile(tt.q); got != tt.want {
			t.Errorf("quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if got := (loadResult{}).quantile(0.5); got != 0 {
		t.Errorf("quantile of nothing = %v", got)
	}
}

func TestFailoverStats(t *testing.T) {
	ms := func(v ...int) []failoverRun {
		var out []failoverRun
		for _, x := range v {
			out = append(out, failoverRun{firstWrite: time.Duration(x) * time.Millisecond})
		}
		return out
	}
	pick := func(f failoverRun) time.Duration { return f.firstWrite }
	for _, tt := range []struct {
		runs     []failoverRun
		med, max time.Duration
	}{
		{ms(900, 700, 1200, 800, 1000), 900 * time.Millisecond, 1200 * time.Millisecond},
		{ms(900, 700, 1200, 800), 850 * time.Millisecond, 1200 * time.Millisecond},
	} {
		med, mx := failoverStats(tt.runs, pick)
		if med != tt.med || mx != tt.max {
			t.Errorf("failoverStats = %v, %v; want %v, %v", med, mx, tt.med, tt.max)
		}
	}
}
