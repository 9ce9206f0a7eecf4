package console

import (
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/schedule"
)

func TestDescribeTrigger(t *testing.T) {
	tests := []struct {
		trigger schedule.Trigger
		want    string
	}{
		{schedule.Trigger{Type: "CRON", Expression: "0 0/5 * * * ?", TimeZone: "Europe/Paris"}, "cron 0 0/5 * * * ? (Europe/Paris)"},
		{schedule.Trigger{Type: "DAILY", Interval: 2, StartDate: "2026-01-01",
			AtTimes: &schedule.AtTimes{Type: schedule.AtTime, Time: "03:00"}}, "every 2 days at 03:00 starting 2026-01-01 (UTC)"},
		{schedule.Trigger{Type: "WEEKLY", AtDays: &schedule.AtDays{Days: schedule.DayList{"MONDAY", "FRIDAY"}},
			AtTimes: &schedule.AtTimes{Times: []string{"08:00", "18:00"}}}, "on MONDAY, FRIDAY at 08:00, 18:00 (UTC)"},
		{schedule.Trigger{Type: "DAILY", AtTimes: &schedule.AtTimes{Interval: 15, StartTime: "09:00", EndTime: "17:00"}},
			"every 15 min from 09:00 to 17:00 (UTC)"},
	}
	for _, tc := range tests {
		if got := describeTrigger(tc.trigger); got != tc.want {
			t.Errorf("describeTrigger(%+v) = %q, want %q", tc.trigger, got, tc.want)
		}
	}
}
