package schedule

import (
	"fmt"
	"time"
)

// A wall time is a civil date and time in a trigger's zone, held as a
// time.Time in UTC so that adding minutes and days never meets a DST change.

// wallOf is the wall clock of instant t in loc.
func wallOf(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	y, mo, d := l.Date()
	h, mi, s := l.Clock()
	return time.Date(y, mo, d, h, mi, s, l.Nanosecond(), time.UTC)
}

// instantOf maps wall time w in loc to an instant (see doc.go): a repeated
// wall time maps to its first occurrence, a skipped one to the first instant
// after the gap.
func instantOf(w time.Time, loc *time.Location) time.Time {
	if loc == time.UTC {
		return w
	}
	var best time.Time
	for _, probe := range [...]time.Duration{-24 * time.Hour, 0, 24 * time.Hour} {
		_, off := w.Add(probe).In(loc).Zone()
		u := w.Add(-time.Duration(off) * time.Second)
		if wallOf(u, loc).Equal(w) && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if !best.IsZero() {
		return best.In(loc)
	}
	// In a gap: reading w with the offset from before the change lands after
	// the gap; the zone period that instant is in starts at the gap's end.
	_, before := w.Add(-24 * time.Hour).In(loc).Zone()
	u := w.Add(-time.Duration(before) * time.Second).In(loc)
	start, _ := u.ZoneBounds()
	if start.IsZero() || start.After(u) {
		return u
	}
	return start.In(loc)
}

// clockMinutes parses "HH:MM" (24 h) into minutes after midnight.
func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// parseDate parses "YYYY-MM-DD" as a wall date (midnight).
func parseDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return d, nil
}

// dayOf truncates a wall time to its date.
func dayOf(w time.Time) time.Time {
	y, m, d := w.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
