package sdk

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

func TestReadLines(t *testing.T) {
	max := plugins.MaxLogMessage
	tests := []struct {
		name  string
		in    string
		lines []string
		trunc []bool
	}{
		{"plain lines", "a\nb\n", []string{"a", "b"}, []bool{false, false}},
		{"last line without newline", "a\nb", []string{"a", "b"}, []bool{false, false}},
		{"empty line kept", "a\n\nb\n", []string{"a", "", "b"}, []bool{false, false, false}},
		{"exactly the cap", strings.Repeat("y", max) + "\nz\n", []string{strings.Repeat("y", max), "z"}, []bool{false, false}},
		{"over the cap", strings.Repeat("y", max+70_000) + "\nz\n", []string{strings.Repeat("y", max), "z"}, []bool{true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var trunc []bool
			ReadLines(strings.NewReader(tc.in), func(s string, tr bool) { got = append(got, s); trunc = append(trunc, tr) })
			if len(got) != len(tc.lines) {
				t.Fatalf("got %d lines, want %d", len(got), len(tc.lines))
			}
			for i := range got {
				if got[i] != tc.lines[i] || trunc[i] != tc.trunc[i] {
					t.Fatalf("line %d: %d bytes truncated=%v, want %d bytes truncated=%v", i, len(got[i]), trunc[i], len(tc.lines[i]), tc.trunc[i])
				}
			}
		})
	}
}

func TestLogBufferFollowFromSeqAndDropOldest(t *testing.T) {
	b := NewLogBuffer(3)
	for _, s := range []string{"0", "1", "2", "3", "4"} {
		b.Append("stdout", s, false)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan []string)
	go func() {
		var got []string
		b.Follow(ctx, 3, func(l plugins.LogLine) error { got = append(got, l.Text); return nil })
		done <- got
	}()
	b.Append("stdout", "5", false)
	b.Close()
	got := <-done
	if strings.Join(got, ",") != "3,4,5" {
		t.Fatalf("follow from seq 3 = %v", got)
	}
}

func TestRequestMeterWindows(t *testing.T) {
	var m RequestMeter
	now := time.Unix(1_000_000, 0)
	m.Mark(now.Add(-14*time.Minute), false)
	m.Mark(now.Add(-4*time.Minute), false)
	m.Mark(now.Add(-30*time.Second), true)
	m.Mark(now, false)
	m.Mark(now.Add(-16*time.Minute), false) // outside every window, in the total
	got := m.Snapshot(now)
	want := plugins.Metrics{LastMinute: 2, Last5Minutes: 3, Last15Minutes: 4, Total: 5, Errors: 1}
	if got != want {
		t.Fatalf("metrics = %+v, want %+v", got, want)
	}
}

func TestRequestMeterProcessTimes(t *testing.T) {
	tests := []struct {
		name       string
		took       []time.Duration
		last, mean int64
	}{
		{"none timed", nil, 0, 0},
		{"one", []time.Duration{40 * time.Millisecond}, 40, 40},
		{"last and mean differ", []time.Duration{10 * time.Millisecond, 50 * time.Millisecond, 30 * time.Millisecond}, 30, 30},
		{"mean of slow and fast", []time.Duration{time.Second, 0}, 0, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m RequestMeter
			now := time.Unix(1_000_000, 0)
			for _, d := range tt.took {
				m.Observe(now, d, false)
			}
			m.Mark(now, true) // untimed: counted, not in the process times
			got := m.Snapshot(now)
			if got.LastMillis != tt.last || got.MeanMillis != tt.mean || got.Total != int64(len(tt.took))+1 || got.Errors != 1 {
				t.Fatalf("metrics = %+v, want last %d ms, mean %d ms, total %d", got, tt.last, tt.mean, len(tt.took)+1)
			}
		})
	}
}
