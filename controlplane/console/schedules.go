package console

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/schedule"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// taskSchedule is the API's view of a task's schedule.
type taskSchedule struct {
	Triggers []schedule.Trigger `json:"triggers"`
	NextRuns []nextRun          `json:"nextRuns"`
}

type nextRun struct {
	TriggerID string    `json:"triggerId"`
	At        time.Time `json:"at"`
	Task      string    `json:"-"`
	TaskID    string    `json:"-"`
}

// scheduleOf reads a task's schedule.
func scheduleOf(r *http.Request, q *request, taskID string) (taskSchedule, error) {
	var s taskSchedule
	err := q.api.json(r.Context(), http.MethodGet, tasksPath+"/"+url.PathEscape(taskID)+"/schedule", nil, &s)
	return s, err
}

// homeScheduleScan bounds how many tasks the home page asks for their
// next fires.
const homeScheduleScan = 200

// nextFires lists the earliest n upcoming fires over the user's tasks.
func nextFires(r *http.Request, q *request, tasks []state.Task, n int) []nextRun {
	var all []nextRun
	for i, t := range tasks {
		if i == homeScheduleScan {
			break
		}
		if t.Paused {
			continue
		}
		s, err := scheduleOf(r, q, t.ID)
		if err != nil {
			continue // a task removed meanwhile, or one the user may no longer see
		}
		for _, nr := range s.NextRuns {
			nr.Task, nr.TaskID = t.Name, t.ID
			all = append(all, nr)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].At.Before(all[j].At) })
	return all[:min(n, len(all))]
}

// describeTrigger says in words when a trigger fires.
func describeTrigger(t schedule.Trigger) string {
	var parts []string
	if t.Expression != "" {
		parts = append(parts, "cron "+t.Expression)
	}
	if t.Interval > 1 {
		unit := map[schedule.TriggerType]string{"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months"}[t.Type]
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
