package schedule

import (
	"fmt"
	"testing"
	"time"
)

func mustCompile(t *testing.T, trig Trigger) *Compiled {
	t.Helper()
	c, err := Compile(0, trig, nil)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return c
}

func mustPlanner(t *testing.T) *Planner {
	t.Helper()
	p, err := NewPlanner(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func taskKey(task, trigger string) TriggerKey {
	return TriggerKey{Owner: Owner{Kind: TaskOwner, ID: task}, Trigger: trigger}
}

// recorder plays the scheduler loop: it ticks a fake clock, takes the due
// fires and records their marks, as the leader commits them through Raft.
type recorder struct {
	marks map[TriggerKey]time.Time
	fires []Fire
}

func (r *recorder) run(p *Planner, from, to time.Time, tick time.Duration) {
	for now := from; !now.After(to); now = now.Add(tick) {
		for _, f := range p.Due(now) {
			r.fires = append(r.fires, f)
			r.marks[f.Key] = f.Mark
			for _, c := range f.Coalesced {
				r.marks[c.Key] = c.Mark
			}
		}
	}
}

func plannedTimes(fires []Fire) []string {
	var out []string
	for _, f := range fires {
		out = append(out, f.Planned.UTC().Format("15:04"))
	}
	return out
}

// TestPlannerLeaderChange: a planner is dropped mid-run (leader killed) and a
// new one is built from the recorded marks 40 s later; every planned fire
// happens exactly once.
func TestPlannerLeaderChange(t *testing.T) {
	c := mustCompile(t, Trigger{Type: Cron, StartDate: "2026-01-01", Expression: "*/5 * * * ?"})
	key := taskKey("t1", "a")
	since := utc("2026-06-01 09:58")
	rec := &recorder{marks: map[TriggerKey]time.Time{}}

	p1 := mustPlanner(t)
	p1.Put(Entry{Key: key, Trigger: c, Since: since})
	rec.run(p1, since, utc("2026-06-01 10:20").Add(10*time.Second), 10*time.Second)

	// The old leader died at 10:20:10; the new one starts ticking at 10:25:40,
	// 40 s after the 10:25 fire was due.
	p2 := mustPlanner(t)
	p2.Put(Entry{Key: key, Trigger: c, Since: since, LastFire: rec.marks[key]})
	rec.run(p2, utc("2026-06-01 10:25").Add(40*time.Second), utc("2026-06-01 10:40"), 10*time.Second)

	want := []string{"10:00", "10:05", "10:10", "10:15", "10:20", "10:25", "10:30", "10:35", "10:40"}
	if got := plannedTimes(rec.fires); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fires %v, want %v", got, want)
	}
	for _, f := range rec.fires {
		if f.Misfired {
			t.Errorf("fire %s marked misfired", f.Planned)
		}
	}
}

// TestPlannerOutageFiresOnceThenResumes: after a 3-hour full outage, each task
// fires once at once, then the schedule resumes at its next planned time.
func TestPlannerOutageFiresOnceThenResumes(t *testing.T) {
	c := mustCompile(t, Trigger{Type: Cron, StartDate: "2026-01-01", Expression: "*/5 * * * ?"})
	k1, k2 := taskKey("t1", "a"), taskKey("t1", "b")
	c2 := mustCompile(t, Trigger{Type: Daily, StartDate: "2026-01-01", AtTimes: at("11:02")})
	last := utc("2026-06-01 10:00")
	p := mustPlanner(t)
	p.Put(Entry{Key: k1, Trigger: c, LastFire: last, Since: utc("2026-05-01 00:00")})
	p.Put(Entry{Key: k2, Trigger: c2, Since: utc("2026-05-01 00:00"), LastFire: utc("2026-05-31 11:02")})

	back := utc("2026-06-01 13:00").Add(17 * time.Second)
	fires := p.Due(back)
	if len(fires) != 1 {
		t.Fatalf("got %d fires, want one for task t1: %+v", len(fires), fires)
	}
	f := fires[0]
	if !f.Misfired || !f.Mark.Equal(back) || !f.Planned.Equal(utc("2026-06-01 10:05")) || len(f.Coalesced) != 1 {
		t.Fatalf("fire %+v: want misfired, planned 10:05, mark = now, one coalesced trigger", f)
	}
	if again := p.Due(back.Add(time.Minute)); len(again) != 0 {
		t.Fatalf("fired again before the next planned time: %+v", again)
	}
	if wake, _ := p.NextWake(); !wake.Equal(utc("2026-06-01 13:05")) {
		t.Fatalf("next wake %s, want 13:05", wake)
	}
	if next := p.Due(utc("2026-06-01 13:05")); len(next) != 1 || next[0].Misfired {
		t.Fatalf("resume: %+v", next)
	}
}

// TestPlannerOrderAndCoalescing: fires due together come out by planned time,
// then owner; a DST gap that moves two triggers of one task onto 03:00 runs
// the task once.
func TestPlannerOrderAndCoalescing(t *testing.T) {
	p := mustPlanner(t)
	since := utc("2026-03-28 12:00")
	for _, task := range []string{"t3", "t1", "t2"} {
		p.Put(Entry{Key: taskKey(task, "x"), Since: since,
			Trigger: mustCompile(t, Trigger{Type: Daily, StartDate: "2026-03-01", AtTimes: at("01:00")})})
	}
	paris := func(hhmm string) *Compiled {
		return mustCompile(t, Trigger{Type: Daily, StartDate: "2026-03-01", TimeZone: "Europe/Paris", AtTimes: at(hhmm)})
	}
	p.Put(Entry{Key: taskKey("t0", "early"), Trigger: paris("02:30"), Since: since})
	p.Put(Entry{Key: taskKey("t0", "late"), Trigger: paris("03:00"), Since: since})

	fires := p.Due(utc("2026-03-29 01:00")) // 03:00 CEST
	var got []string
	for _, f := range fires {
		got = append(got, fmt.Sprintf("%s/%s@%s+%d", f.Key.Owner.ID, f.Key.Trigger, f.Planned.UTC().Format("15:04"), len(f.Coalesced)))
	}
	want := []string{"t0/early@01:00+1", "t1/x@01:00+0", "t2/x@01:00+0", "t3/x@01:00+0"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestPlannerSinceOnceAndRemove(t *testing.T) {
	p := mustPlanner(t)
	daily := mustCompile(t, Trigger{Type: Daily, StartDate: "2026-01-01", AtTimes: at("10:00")})
	once := mustCompile(t, Trigger{Type: Once, StartDate: "2026-06-01", AtTimes: at("12:00")})
	p.Put(Entry{Key: taskKey("t1", "d"), Trigger: daily, Since: utc("2026-06-01 10:02")})
	p.Put(Entry{Key: taskKey("t2", "o"), Trigger: once, Since: utc("2026-06-01 10:02")})

	if fires := p.Due(utc("2026-06-01 10:03")); len(fires) != 0 {
		t.Fatalf("a trigger saved at 10:02 fired for 10:00: %+v", fires)
	}
	if fires := p.Due(utc("2026-06-01 12:00")); len(fires) != 1 || fires[0].Key.Owner.ID != "t2" {
		t.Fatalf("once: %+v", fires)
	}
	if wake, _ := p.NextWake(); !wake.Equal(utc("2026-06-02 10:00")) {
		t.Fatalf("wake %s after the once fired, want tomorrow 10:00", wake)
	}
	p.Remove(taskKey("t1", "d"))
	if _, ok := p.NextWake(); ok || p.Len() != 1 {
		t.Fatalf("after remove: len %d, a wake-up left", p.Len())
	}
}

func TestPlannerConfig(t *testing.T) {
	if _, err := NewPlanner(Config{MisfireGrace: MinSpacing}); err == nil {
		t.Fatal("a grace as long as the minimum spacing was accepted")
	}
}

func TestTriggerTimeoutEffective(t *testing.T) {
	task := 5 * time.Minute
	tests := []struct {
		name    string
		to      *TriggerTimeout
		want    time.Duration
		limited bool
	}{
		{"nil is same as task", nil, task, true},
		{"same as task", &TriggerTimeout{Mode: SameAsTask}, task, true},
		{"none", &TriggerTimeout{Mode: NoTimeout}, 0, false},
		{"custom overrides", &TriggerTimeout{Mode: CustomTimeout, Minutes: 90}, 90 * time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, lim := tt.to.Effective(task, true)
			if d != tt.want || lim != tt.limited {
				t.Fatalf("got %s %v, want %s %v", d, lim, tt.want, tt.limited)
			}
		})
	}
}

// TestPlannerEditJustBeforeARun: Talend warns that edits within three
// minutes of a run can duplicate it. Here an edit re-arms the trigger with its
// recorded LastFire and Since = the edit time: the new time applies, and the
// old planned time neither fires nor fires twice.
func TestPlannerEditJustBeforeARun(t *testing.T) {
	key := taskKey("t1", "a")
	p := mustPlanner(t)
	p.Put(Entry{Key: key, Since: utc("2026-05-01 00:00"), LastFire: utc("2026-05-31 10:00"),
		Trigger: mustCompile(t, Trigger{Type: Daily, StartDate: "2026-01-01", AtTimes: at("10:00")})})
	rec := &recorder{marks: map[TriggerKey]time.Time{}}
	rec.run(p, utc("2026-06-01 09:55"), utc("2026-06-01 09:58"), time.Second)

	// 09:58: moved to 10:01.
	p.Put(Entry{Key: key, Since: utc("2026-06-01 09:58"), LastFire: utc("2026-05-31 10:00"),
		Trigger: mustCompile(t, Trigger{Type: Daily, StartDate: "2026-01-01", AtTimes: at("10:01")})})
	rec.run(p, utc("2026-06-01 09:58").Add(time.Second), utc("2026-06-01 10:30"), time.Second)

	if got := plannedTimes(rec.fires); fmt.Sprint(got) != "[10:01]" {
		t.Fatalf("fires %v, want only 10:01", got)
	}
}
