package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func every(minutes int) *AtTimes {
	return &AtTimes{Type: AtIntervals, StartTime: "00:00", EndTime: "23:59", Interval: minutes}
}

func at(times ...string) *AtTimes {
	if len(times) == 1 {
		return &AtTimes{Type: AtTime, Time: times[0]}
	}
	return &AtTimes{Type: AtTimesList, Times: times}
}

// TestNextFireDST walks real 2026 DST changes: the repeated hour's fires are
// skipped and a fire planned in the skipped hour runs at its end.
func TestNextFireDST(t *testing.T) {
	paris, ny := "Europe/Paris", "America/New_York"
	tests := []struct {
		name  string
		trig  Trigger
		after string   // UTC
		want  []string // UTC, successive fires
	}{
		{"Paris daily 02:30 across spring forward runs at 03:00 CEST",
			Trigger{Type: Daily, StartDate: "2026-03-01", TimeZone: paris, AtTimes: at("02:30")},
			"2026-03-27 12:00", []string{"2026-03-28 01:30", "2026-03-29 01:00", "2026-03-30 00:30"}},
		{"Paris every 20 min: the gap's fires collapse into one at 03:00 CEST",
			Trigger{Type: Daily, StartDate: "2026-03-01", TimeZone: paris, AtTimes: every(20)},
			"2026-03-29 00:30", []string{"2026-03-29 00:40", "2026-03-29 01:00", "2026-03-29 01:20"}},
		{"Paris every 20 min: the repeated 02:00-03:00 is not fired twice",
			Trigger{Type: Daily, StartDate: "2026-03-01", TimeZone: paris, AtTimes: every(20)},
			"2026-10-25 00:30", []string{"2026-10-25 00:40", "2026-10-25 02:00", "2026-10-25 02:20"}},
		{"New York, Talend's example: last run 01:40 EDT, next 02:00 EST",
			Trigger{Type: Daily, StartDate: "2026-01-01", TimeZone: ny, AtTimes: every(20)},
			"2026-11-01 05:40", []string{"2026-11-01 07:00", "2026-11-01 07:20"}},
		{"New York: from inside the repeated hour, next is 02:00 EST",
			Trigger{Type: Daily, StartDate: "2026-01-01", TimeZone: ny, AtTimes: every(20)},
			"2026-11-01 06:30", []string{"2026-11-01 07:00"}},
		{"New York daily 01:30 fires once on fall-back day",
			Trigger{Type: Daily, StartDate: "2026-01-01", TimeZone: ny, AtTimes: at("01:30")},
			"2026-10-31 12:00", []string{"2026-11-01 05:30", "2026-11-02 06:30"}},
		{"New York every 20 min across spring forward",
			Trigger{Type: Daily, StartDate: "2026-01-01", TimeZone: ny, AtTimes: every(20)},
			"2026-03-08 06:30", []string{"2026-03-08 06:40", "2026-03-08 07:00", "2026-03-08 07:20"}},
		{"cron 02:30 in Paris on spring-forward day",
			Trigger{Type: Cron, StartDate: "2026-01-01", TimeZone: paris, Expression: "30 2 * * ?"},
			"2026-03-28 12:00", []string{"2026-03-29 01:00", "2026-03-30 00:30"}},
		{"cron every 30 min in New York across fall back",
			Trigger{Type: Cron, StartDate: "2026-01-01", TimeZone: ny, Expression: "0/30 * * * ?"},
			"2026-11-01 05:00", []string{"2026-11-01 05:30", "2026-11-01 07:00", "2026-11-01 07:30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertFires(t, tt.trig, tt.after, tt.want)
		})
	}
}

func assertFires(t *testing.T, trig Trigger, after string, want []string) {
	t.Helper()
	c, err := Compile(0, trig, nil)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	prev := utc(after)
	for i, w := range want {
		got, ok := c.NextFire(prev)
		if !ok {
			t.Fatalf("fire %d: none, want %s", i, w)
		}
		if !got.Equal(utc(w)) {
			t.Fatalf("fire %d after %s: got %s (%s), want %s UTC", i, prev.UTC().Format(time.DateTime),
				got.UTC().Format(time.DateTime), got.Format(time.DateTime+" MST"), w)
		}
		prev = got
	}
}

func TestNextFireCalendar(t *testing.T) {
	tests := []struct {
		name  string
		trig  Trigger
		after string
		want  []string
	}{
		{"once", Trigger{Type: Once, StartDate: "2026-05-04", AtTimes: at("09:15")},
			"2026-01-01 00:00", []string{"2026-05-04 09:15"}},
		{"daily at three times (Talend's example)", Trigger{Type: Daily, StartDate: "2026-05-04", AtTimes: at("17:00", "09:00", "14:00")},
			"2026-05-04 10:00", []string{"2026-05-04 14:00", "2026-05-04 17:00", "2026-05-05 09:00"}},
		{"every 10 minutes 06:00-18:00 (Talend's example)", Trigger{Type: Daily, StartDate: "2026-05-04",
			AtTimes: &AtTimes{Type: AtIntervals, StartTime: "06:00", EndTime: "18:00", Interval: 10}},
			"2026-05-04 17:45", []string{"2026-05-04 17:50", "2026-05-04 18:00", "2026-05-05 06:00"}},
		{"every 7 days from the start date", Trigger{Type: Daily, StartDate: "2026-05-04", Interval: 7, AtTimes: at("02:00")},
			"2026-05-01 00:00", []string{"2026-05-04 02:00", "2026-05-11 02:00"}},
		{"not before the start date", Trigger{Type: Daily, StartDate: "2026-06-01", AtTimes: at("00:00")},
			"2026-05-04 00:00", []string{"2026-06-01 00:00", "2026-06-02 00:00"}},
		{"weekly Monday and Friday every 2 weeks", Trigger{Type: Weekly, StartDate: "2026-05-06", Interval: 2,
			AtDays: &AtDays{Type: DayOfWeek, Days: DayList{"MONDAY", "FRIDAY"}}, AtTimes: at("08:00")},
			"2026-05-01 00:00", []string{"2026-05-08 08:00", "2026-05-18 08:00", "2026-05-22 08:00", "2026-06-01 08:00"}},
		{"monthly on the 31st skips short months", Trigger{Type: Monthly, StartDate: "2026-01-01",
			AtDays: &AtDays{Type: DayOfMonth, Days: DayList{"31"}}, AtTimes: at("12:00")},
			"2026-03-31 12:00", []string{"2026-05-31 12:00", "2026-07-31 12:00"}},
		{"monthly every 3 months", Trigger{Type: Monthly, StartDate: "2026-01-15", Interval: 3,
			AtDays: &AtDays{Type: DayOfMonth, Days: DayList{"1", "15"}}, AtTimes: at("06:00")},
			"2026-01-01 00:00", []string{"2026-01-15 06:00", "2026-04-01 06:00", "2026-04-15 06:00", "2026-07-01 06:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertFires(t, tt.trig, tt.after, tt.want) })
	}
}

// TestNextFireCronQuartz checks Talend's Quartz dialect: 1 = SUN ... 7 = SAT,
// L, W, #, years, and 5, 6 or 7 fields.
func TestNextFireCronQuartz(t *testing.T) {
	tests := []struct {
		expr  string
		after string
		want  []string
	}{
		{"15 10 ? * 6L *", "2026-01-01 00:00", []string{"2026-01-30 10:15", "2026-02-27 10:15"}}, // last Friday
		{"15 10 ? * 6#3 2026-2027", "2026-01-01 00:00", []string{"2026-01-16 10:15", "2026-02-20 10:15"}},
		{"0 9 ? * 2,5,6", "2026-01-01 00:00", []string{"2026-01-01 09:00", "2026-01-02 09:00", "2026-01-05 09:00"}}, // Mon, Thu, Fri
		{"0 9 ? * 5", "2026-01-01 00:00", []string{"2026-01-01 09:00", "2026-01-08 09:00"}},                         // Thursday
		{"0 9 ? * L", "2026-01-01 00:00", []string{"2026-01-03 09:00", "2026-01-10 09:00"}},                         // L alone = SAT
		{"0 9 ? * 1", "2026-01-01 00:00", []string{"2026-01-04 09:00"}},                                             // 1 = Sunday
		{"0 9 ? * SUN-MON", "2026-01-01 00:00", []string{"2026-01-04 09:00", "2026-01-05 09:00"}},
		{"0 9 ? * 2-6", "2026-01-02 10:00", []string{"2026-01-05 09:00"}}, // Mon-Fri
		{"0 9 L * ?", "2026-02-01 00:00", []string{"2026-02-28 09:00", "2026-03-31 09:00"}},
		{"0 9 10W * ?", "2026-01-01 00:00", []string{"2026-01-09 09:00", "2026-02-10 09:00"}},
		{"0 0 29 2 ?", "2026-01-01 00:00", []string{"2028-02-29 00:00"}},
		{"9/10 * * * ?", "2026-01-01 00:00", []string{"2026-01-01 00:09", "2026-01-01 00:19"}},
		{"0 9/10 * * ?", "2026-01-01 00:00", []string{"2026-01-01 09:00", "2026-01-01 19:00"}}, // hours 9, 19
		{"*/5 12-14 * * ?", "2026-01-01 14:52", []string{"2026-01-01 14:55", "2026-01-02 12:00"}},
		{"30 15 10 ? * * 2026", "2026-01-01 00:00", []string{"2026-01-01 10:15"}}, // 7 fields: seconds ignored
		{"0 0 1 1 ? 2099", "2026-01-01 00:00", []string{"2099-01-01 00:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			assertFires(t, Trigger{Type: Cron, StartDate: "2026-01-01", Expression: tt.expr}, tt.after, tt.want)
		})
	}
}

// TestFiresAcrossAYearOfDST walks every fire of 2026 for interval triggers in
// zones with DST: instants strictly increase, wall times strictly increase
// (so no repeated-hour fire happens twice), and the only gaps are the day's
// window and the spring-forward hour.
func TestFiresAcrossAYearOfDST(t *testing.T) {
	for _, zone := range []string{"Europe/Paris", "America/New_York", "Australia/Sydney", "America/Santiago"} {
		for _, minutes := range []int{5, 7, 20, 60} {
			t.Run(fmt.Sprintf("%s every %d min", zone, minutes), func(t *testing.T) {
				c, err := Compile(0, Trigger{Type: Daily, StartDate: "2026-01-01", TimeZone: zone, AtTimes: every(minutes)}, nil)
				if err != nil {
					t.Fatal(err)
				}
				prev, ok := c.NextFire(utc("2026-01-01 00:00"))
				if !ok {
					t.Fatal("no first fire")
				}
				prevWall := wallOf(prev, c.loc)
				n := 0
				for {
					next, ok := c.NextFire(prev)
					if !ok || next.Year() > 2026 {
						break
					}
					wall := wallOf(next, c.loc)
					if !next.After(prev) || !wall.After(prevWall) {
						t.Fatalf("fire %s (wall %s) after %s (wall %s)", next, wall, prev, prevWall)
					}
					if gap := next.Sub(prev); gap > time.Duration(minutes)*time.Minute && gap > 2*time.Hour {
						t.Fatalf("gap of %s after %s", gap, prev)
					}
					prev, prevWall = next, wall
					n++
				}
				if min := 360 * 24 * 60 / minutes; n < min {
					t.Fatalf("%d fires in 2026, want at least %d", n, min)
				}
			})
		}
	}
}

func TestQuartzToUnixDOW(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"1", "0", ""}, {"7", "6", ""}, {"L", "6", ""}, {"6L", "5L", ""}, {"6#3", "5#3", ""},
		{"2-6", "1-5", ""}, {"2,5,6", "1,4,5", ""}, {"1-7/2", "0-6/2", ""}, {"2/3", "1/3", ""},
		{"*", "*", ""}, {"?", "?", ""}, {"MON-FRI", "MON-FRI", ""}, {"SUN#2", "SUN#2", ""}, {"FRIL", "FRIL", ""},
		{"0", "", "outside 1-7"}, {"8", "", "outside 1-7"}, {"1-8", "", "outside 1-7"},
	}
	for _, tt := range tests {
		got, err := quartzToUnixDOW(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %q %v, want %q", tt.in, got, err, tt.want)
		}
	}
}
