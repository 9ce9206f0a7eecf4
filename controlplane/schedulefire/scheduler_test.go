package schedulefire_test

import (
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// nextBoundary is the first multiple of step after t.
// nextBoundary is the first step boundary after both t (the fake clock)
// and the wall clock: API writes stamp a saved trigger with the wall
// clock, and a trigger fires only after it was saved, so a boundary the
// wall clock already passed (a test started just before a 5-minute mark)
// would never fire. Call it after the save.
func nextBoundary(t time.Time, step time.Duration) time.Time {
	return later(t, time.Now()).Truncate(step).Add(step)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func TestCronFiresOnTimeWithTriggerTimeoutAndMisfiresOnce(t *testing.T) {
	f := start(t)
	task := f.jobTask("nightly")
	today := f.clock.Now().Format("2006-01-02")
	f.c.Must(t, 204, "PUT", "/orchestration/executables/tasks/"+task+"/schedule", map[string]any{"triggers": []map[string]any{{
		"name": "every-5", "type": "CRON", "startDate": today, "timeZone": "UTC", "expression": "*/5 * * * ?",
		"timeout": map[string]any{"mode": "CUSTOM", "minutes": 2},
	}}}, nil)
	v := f.schedule("tasks", task)
	if len(v.Triggers) != 1 || v.Triggers[0].ID == "" || v.Triggers[0].Expression != "*/5 * * * ? *" || len(v.NextRuns) == 0 {
		t.Fatalf("schedule view: %+v", v)
	}

	// Nothing is due before the first planned time.
	first := nextBoundary(f.clock.Now(), 5*time.Minute)
	f.clock.Set(first.Add(-time.Second))
	f.settle(task, 0)

	// On time: one run, the trigger timeout (2 min) instead of the task's 5.
	f.clock.Set(first.Add(2 * time.Second))
	runs := f.waitExecutions(task, 1)
	if runs[0].ExecutionType != state.ExecutionScheduled || runs[0].TimeoutMinutes != 2 {
		t.Fatalf("scheduled run: type %s timeout %d", runs[0].ExecutionType, runs[0].TimeoutMinutes)
	}
	f.settle(task, 1)
	f.clock.Set(first.Add(5*time.Minute + time.Second))
	f.waitExecutions(task, 2)

	// A 30-minute outage (the clock jumps): the missed fires are not
	// replayed; the trigger fires once now, then resumes.
	f.clock.Set(first.Add(37 * time.Minute))
	f.waitExecutions(task, 3)
	f.settle(task, 3)
	fires := f.schedule("tasks", task).RecentFires
	if len(fires) != 3 || fires[0].Misfired || fires[1].Misfired || !fires[2].Misfired ||
		!fires[0].Planned.Equal(first) || !fires[1].Planned.Equal(first.Add(5*time.Minute)) {
		t.Fatalf("recent fires: %+v", fires)
	}
	f.clock.Set(first.Add(40*time.Minute + time.Second))
	f.waitExecutions(task, 4)
}

func TestEditKeepsMarksAndDeleteStops(t *testing.T) {
	f := start(t)
	task := f.jobTask("edited")
	today := f.clock.Now().Format("2006-01-02")
	body := map[string]any{"triggers": []map[string]any{{"id": "t1", "type": "CRON", "startDate": today, "expression": "*/5 * * * ?"}}}
	f.c.Must(t, 204, "PUT", "/orchestration/executables/tasks/"+task+"/schedule", body, nil)
	first := nextBoundary(f.clock.Now(), 5*time.Minute)
	f.clock.Set(first.Add(time.Second))
	f.waitExecutions(task, 1)
	// Saving the same trigger again right after its fire repeats nothing.
	f.c.Must(t, 204, "PUT", "/orchestration/executables/tasks/"+task+"/schedule", body, nil)
	f.settle(task, 1)
	f.c.Must(t, 204, "DELETE", "/orchestration/executables/tasks/"+task+"/schedule", nil, nil)
	f.clock.Set(first.Add(10*time.Minute + time.Second))
	f.settle(task, 1)
	if v := f.schedule("tasks", task); len(v.Triggers) != 0 {
		t.Fatalf("deleted schedule still has triggers: %+v", v)
	}
}

func TestPausedTaskFiresNothingAndResumeReplaysNothing(t *testing.T) {
	f := start(t)
	task := f.jobTask("paused")
	today := f.clock.Now().Format("2006-01-02")
	f.c.Must(t, 204, "PUT", "/orchestration/executables/tasks/"+task+"/schedule", map[string]any{"triggers": []map[string]any{
		{"type": "CRON", "startDate": today, "expression": "*/5 * * * ?"}}}, nil)
	f.c.Must(t, 200, "POST", "/orchestration/executables/tasks/"+task+"/pause", map[string]any{"reason": "maintenance"}, nil)
	first := nextBoundary(f.clock.Now(), 5*time.Minute)
	f.clock.Set(first.Add(time.Second))
	deadline := time.Now().Add(5 * time.Second)
	for len(f.schedule("tasks", task).RecentFires) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the paused task's fire was not recorded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if fire := f.schedule("tasks", task).RecentFires[0]; fire.ExecutionID != "" || !strings.Contains(fire.Refusal, "paused") {
		t.Fatalf("paused fire: %+v", fire)
	}
	f.settle(task, 0)
	f.c.Must(t, 200, "POST", "/orchestration/executables/tasks/"+task+"/resume", nil, nil)
	f.settle(task, 0)
	f.clock.Set(first.Add(5*time.Minute + time.Second))
	f.waitExecutions(task, 1)
}

func TestBadSchedulesAreRefusedWithTheField(t *testing.T) {
	f := start(t)
	task := f.jobTask("refused")
	today := f.clock.Now().Format("2006-01-02")
	path := "/orchestration/executables/tasks/" + task + "/schedule"
	many := []map[string]any{}
	for i := 0; i < 16; i++ {
		many = append(many, map[string]any{"type": "DAILY", "startDate": today, "atTimes": map[string]any{"type": "AT_TIME", "time": time.Date(2000, 1, 1, i, 0, 0, 0, time.UTC).Format("15:04")}})
	}
	for _, tc := range []struct {
		name    string
		trigger []map[string]any
		field   string
	}{
		{"invalid cron", []map[string]any{{"type": "CRON", "startDate": today, "expression": "61 * * * ?"}}, "triggers[0].expression"},
		{"cron under five minutes", []map[string]any{{"type": "CRON", "startDate": today, "expression": "*/2 * * * ?"}}, "triggers"},
		{"16th trigger", many, "triggers"},
		{"closer than 5 minutes", []map[string]any{
			{"type": "DAILY", "startDate": today, "atTimes": map[string]any{"type": "AT_TIME", "time": "09:00"}},
			{"type": "DAILY", "startDate": today, "atTimes": map[string]any{"type": "AT_TIME", "time": "09:03"}}}, "triggers"},
		{"unknown time zone", []map[string]any{{"type": "CRON", "startDate": today, "timeZone": "Mars/Olympus", "expression": "0 9 * * ?"}}, "triggers[0].timeZone"},
		{"webhook in a schedule", []map[string]any{{"type": "WEBHOOK"}}, "triggers[0].type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := f.c.MustFail(t, 400, "PUT", path, map[string]any{"triggers": tc.trigger})
			if !strings.HasPrefix(e.Details, tc.field) {
				t.Fatalf("details %v, want field %s (%s)", e.Details, tc.field, e.Message)
			}
		})
	}
	f.c.MustFail(t, 400, "PUT", path, map[string]any{"triggers": []map[string]any{}, "extra": 1})
	f.c.MustFail(t, 404, "PUT", "/orchestration/executables/tasks/0123456789abcdef01234567/schedule", map[string]any{"triggers": []any{}})
	if v := f.schedule("tasks", task); len(v.Triggers) != 0 {
		t.Fatalf("a refused schedule was saved: %+v", v)
	}
}
