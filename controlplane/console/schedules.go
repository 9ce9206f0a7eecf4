package console

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/api"
)

// nextRun is one upcoming fire of a task's schedule.
type nextRun struct {
	At     time.Time
	Task   string
	TaskID string
}

// homeScheduleScan bounds how many tasks the home page asks for their
// next fires.
const homeScheduleScan = 200

// nextFires lists the earliest n upcoming fires over the user's tasks.
func nextFires(q *request, tasks []api.Task, n int) []nextRun {
	var all []nextRun
	for i, t := range tasks {
		if i == homeScheduleScan {
			break
		}
		if t.Paused {
			continue
		}
		s, err := q.api.TaskSchedules().Get(q.ctx, t.ID)
		if err != nil {
			continue // a task removed meanwhile, or one the user may no longer see
		}
		for _, at := range nextRunTimes(s) {
			all = append(all, nextRun{At: at, Task: t.Name, TaskID: t.ID})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].At.Before(all[j].At) })
	return all[:min(n, len(all))]
}

// nextRunTimes reads a schedule's next fires (RFC 3339 in the API).
func nextRunTimes(s *api.Schedule) []time.Time {
	var out []time.Time
	for _, nr := range s.NextRuns {
		if at, err := time.Parse(time.RFC3339, nr.At); err == nil {
			out = append(out, at)
		}
	}
	return out
}

// describeTrigger says in words when a trigger fires.
func describeTrigger(t api.Trigger) string {
	var parts []string
	if t.Expression != "" {
		parts = append(parts, "cron "+t.Expression)
	}
	if t.Interval > 1 {
		unit := map[string]string{"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months"}[t.Type]
		parts = append(parts, fmt.Sprintf("every %d %s", t.Interval, unit))
	}
	if t.AtDays != nil && len(t.AtDays.Days) > 0 {
		parts = append(parts, "on "+strings.Join(t.AtDays.Days, ", "))
	}
	if a := t.AtTimes; a != nil {
		switch {
		case a.Time != "":
			parts = append(parts, "at "+a.Time)
		case len(a.Times) > 0:
			parts = append(parts, "at "+strings.Join(a.Times, ", "))
		case a.Interval > 0:
			parts = append(parts, fmt.Sprintf("every %d min from %s to %s", a.Interval, a.StartTime, a.EndTime))
		}
	}
	if t.StartDate != "" {
		parts = append(parts, "starting "+t.StartDate)
	}
	zone := t.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	return strings.Join(append(parts, "("+zone+")"), " ")
}
