package schedule

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestScheduleJSON reads the body of `PUT .../schedule` in the contract's
// shape and writes it back the same way.
func TestScheduleJSON(t *testing.T) {
	body := `{"triggers": [
	  {"type": "ONCE", "startDate": "2026-08-15", "timeZone": "Europe/Paris", "atTimes": {"type": "AT_TIME", "time": "02:00"}},
	  {"type": "DAILY", "startDate": "2026-08-22", "timeZone": "Europe/Paris", "interval": 7, "atTimes": {"type": "AT_TIMES", "times": ["09:00", "14:00"]}},
	  {"type": "WEEKLY", "startDate": "2026-08-22", "timeZone": "UTC", "atDays": {"type": "DAY_OF_WEEK", "days": ["MONDAY", "FRIDAY"]},
	   "atTimes": {"type": "AT_INTERVALS", "startTime": "06:00", "endTime": "18:00", "interval": 10}},
	  {"type": "MONTHLY", "startDate": "2026-08-22", "timeZone": "UTC", "atDays": {"type": "DAY_OF_MONTH", "days": [1, "15"]}, "atTimes": {"type": "AT_TIME", "time": "23:30"},
	   "timeout": {"mode": "CUSTOM", "minutes": 30}},
	  {"type": "CRON", "startDate": "2026-08-22", "timeZone": "America/New_York", "expression": "15 10 ? * 6L 2026-2028"}
	]}`
	var s Schedule
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Triggers) != 5 || s.Triggers[3].AtDays.Days[1] != "15" || s.Triggers[3].Timeout.Minutes != 30 {
		t.Fatalf("decoded %+v", s)
	}
	if _, _, err := Validate(s.Triggers, utc("2026-08-01 00:00"), ValidateOptions{}); err != nil {
		t.Fatalf("contract example refused: %v", err)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"days":[1,15]`, `"days":["MONDAY","FRIDAY"]`, `"expression":"15 10 ? * 6L 2026-2028"`, `"interval":7`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("encoded schedule lacks %s: %s", want, out)
		}
	}
}

func TestDayListRefusesObjects(t *testing.T) {
	var d DayList
	if err := json.Unmarshal([]byte(`[{"day": 1}]`), &d); err == nil {
		t.Fatal("an object was accepted as a day")
	}
}
