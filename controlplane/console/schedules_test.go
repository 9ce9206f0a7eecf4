package console

import (
	"testing"

	"github.com/roundhouse/roundhouse/api"
)

func TestDescribeTrigger(t *testing.T) {
	tests := []struct {
		trigger api.Trigger
		want    string
	}{
		{api.Trigger{Type: "CRON", Expression: "0 0/5 * * * ?", TimeZone: "Europe/Paris"}, "cron 0 0/5 * * * ? (Europe/Paris)"},
		{api.Trigger{Type: "DAILY", Interval: 2, StartDate: "2026-01-01",
			AtTimes: &api.AtTimes{Type: "AT_TIME", Time: "03:00"}}, "every 2 days at 03:00 starting 2026-01-01 (UTC)"},
		{api.Trigger{Type: "WEEKLY", AtDays: &api.AtDays{Days: api.Days{"MONDAY", "FRIDAY"}},
			AtTimes: &api.AtTimes{Times: []string{"08:00", "18:00"}}}, "on MONDAY, FRIDAY at 08:00, 18:00 (UTC)"},
		{api.Trigger{Type: "DAILY", AtTimes: &api.AtTimes{Interval: 15, StartTime: "09:00", EndTime: "17:00"}},
			"every 15 min from 09:00 to 17:00 (UTC)"},
	}
	for _, tc := range tests {
		if got := describeTrigger(tc.trigger); got != tc.want {
			t.Errorf("describeTrigger(%+v) = %q, want %q", tc.trigger, got, tc.want)
		}
	}
}
