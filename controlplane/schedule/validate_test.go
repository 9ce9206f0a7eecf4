package schedule

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func daily(hhmm string) Trigger {
	return Trigger{Type: Daily, StartDate: "2026-01-01", TimeZone: "UTC", AtTimes: at(hhmm)}
}

func cron(expr string) Trigger {
	return Trigger{Type: Cron, StartDate: "2026-01-01", TimeZone: "UTC", Expression: expr}
}

func webhook(threshold, seconds int) Trigger {
	return Trigger{Type: Webhook, Webhook: &WebhookWindow{Name: "sf_hook", WindowThreshold: threshold, WindowDuration: seconds}}
}

// TestValidateRefuses checks that every bad schedule gets a clear error
// naming the trigger and field at fault.
func TestValidateRefuses(t *testing.T) {
	sixteen := make([]Trigger, 16)
	for i := range sixteen {
		sixteen[i] = daily(fmt.Sprintf("%02d:00", i))
	}
	tests := []struct {
		name     string
		triggers []Trigger
		index    int
		field    string
		contains string
	}{
		{"a 16th trigger", sixteen, -1, "triggers", "at most 15"},
		{"webhook with another trigger", []Trigger{webhook(10, 30), daily("09:00")}, -1, "triggers", "webhook trigger must be alone"},
		{"cron every 2 minutes", []Trigger{cron("*/2 * * * ?")}, 0, "expression", "at least 5m0s"},
		{"two triggers 3 minutes apart", []Trigger{daily("09:00"), daily("12:00"), daily("09:03")}, 2, "atTimes", "3m0s after triggers[0]"},
		{"same instant in two zones", []Trigger{daily("08:00"), {Type: Daily, StartDate: "2026-01-01", TimeZone: "Europe/Paris", AtTimes: at("09:00")}},
			1, "atTimes", "0s after triggers[0]"},
		{"close only on the last day of the month", []Trigger{cron("0 10 L * ?"), daily("10:02")}, 1, "atTimes", "2m0s after"},
		{"intervals under 5 minutes", []Trigger{{Type: Daily, StartDate: "2026-01-01", AtTimes: &AtTimes{Type: AtIntervals, StartTime: "06:00", EndTime: "07:00", Interval: 4}}},
			0, "atTimes", "at least 5m0s"},
		{"unknown time zone", []Trigger{{Type: Daily, StartDate: "2026-01-01", TimeZone: "Europe/Atlantis", AtTimes: at("09:00")}}, 0, "timeZone", "unknown time zone"},
		{"invalid cron", []Trigger{cron("61 * * * ?")}, 0, "expression", "invalid cron"},
		{"cron with 4 fields", []Trigger{cron("* * * *")}, 0, "expression", "5, 6 or 7 fields"},
		{"cron year after 2099", []Trigger{cron("0 9 * * ? 2100")}, 0, "expression", "after 2099"},
		{"cron day-of-week 0", []Trigger{cron("0 9 ? * 0")}, 0, "expression", "outside 1-7"},
		{"cron both day fields", []Trigger{cron("0 9 1 * 2")}, 0, "expression", "put ? in one"},
		{"cron years over", []Trigger{cron("0 9 * * ? 2022-2024")}, 0, "expression", "never fires"},
		{"once in the past", []Trigger{{Type: Once, StartDate: "2025-01-01", AtTimes: at("09:00")}}, 0, "atTimes", "never fires"},
		{"name with a space", []Trigger{{Name: "my trigger", Type: Daily, StartDate: "2026-01-01", AtTimes: at("09:00")}}, 0, "name", "no spaces"},
		{"custom timeout of 0", []Trigger{{Type: Daily, StartDate: "2026-01-01", AtTimes: at("09:00"), Timeout: &TriggerTimeout{Mode: CustomTimeout}}}, 0, "timeout.minutes", "at least 1"},
		{"webhook threshold 0", []Trigger{webhook(0, 30)}, 0, "windowThreshold", "1-1000"},
		{"webhook name with dash", []Trigger{{Type: Webhook, Webhook: &WebhookWindow{Name: "sf-hook", WindowThreshold: 1, WindowDuration: 1}}}, 0, "webhook.name", "only letters"},
		{"weekly without days", []Trigger{{Type: Weekly, StartDate: "2026-01-01", AtTimes: at("09:00")}}, 0, "atDays", "DAY_OF_WEEK"},
		{"weekly bad day", []Trigger{{Type: Weekly, StartDate: "2026-01-01", AtDays: &AtDays{Type: DayOfWeek, Days: DayList{"FUNDAY"}}, AtTimes: at("09:00")}}, 0, "atDays.days", "not a weekday"},
		{"monthly day 32", []Trigger{{Type: Monthly, StartDate: "2026-01-01", AtDays: &AtDays{Type: DayOfMonth, Days: DayList{"32"}}, AtTimes: at("09:00")}}, 0, "atDays.days", "1-31"},
		{"monthly that never fires", []Trigger{{Type: Monthly, StartDate: "2026-02-01", Interval: 12, AtDays: &AtDays{Type: DayOfMonth, Days: DayList{"30"}}, AtTimes: at("09:00")}}, 0, "atTimes", "never fires"},
		{"bad time", []Trigger{daily("25:00")}, 0, "atTimes.time", "HH:MM"},
		{"bad start date", []Trigger{{Type: Daily, StartDate: "19/07/2026", AtTimes: at("09:00")}}, 0, "startDate", "YYYY-MM-DD"},
		{"unknown type", []Trigger{{Type: "HOURLY", StartDate: "2026-01-01"}}, 0, "type", "unknown trigger type"},
		{"interval 100", []Trigger{{Type: Daily, Interval: 100, StartDate: "2026-01-01", AtTimes: at("09:00")}}, 0, "interval", "1-99"},
		{"duplicate ids", []Trigger{{ID: "a", Type: Daily, StartDate: "2026-01-01", AtTimes: at("09:00")}, {ID: "a", Type: Daily, StartDate: "2026-01-01", AtTimes: at("19:00")}}, 1, "id", "already used"},
	}
	now := utc("2026-06-01 12:00")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Validate(tt.triggers, now, ValidateOptions{})
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err %v, want a *ValidationError", err)
			}
			if ve.Index != tt.index || ve.Field != tt.field || !strings.Contains(ve.Message, tt.contains) {
				t.Fatalf("got %q (index %d, field %s), want index %d field %s containing %q", err, ve.Index, ve.Field, tt.index, tt.field, tt.contains)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	fifteen := make([]Trigger, 15)
	for i := range fifteen {
		fifteen[i] = daily(fmt.Sprintf("%02d:05", i))
	}
	paris := func(hhmm string) Trigger {
		return Trigger{Type: Daily, StartDate: "2026-01-01", TimeZone: "Europe/Paris", AtTimes: at(hhmm)}
	}
	tests := []struct {
		name     string
		triggers []Trigger
	}{
		{"none (manual only)", nil},
		{"15 triggers", fifteen},
		{"one webhook", []Trigger{webhook(10, 30)}},
		{"cron every 5 minutes (the minimum)", []Trigger{cron("*/5 * * * ?")}},
		{"exactly 5 minutes apart", []Trigger{daily("09:00"), daily("09:05")}},
		{"02:30 and 03:00 in Paris: the spring gap moves both to 03:00", []Trigger{paris("02:30"), paris("03:00")}},
		{"Talend's cron examples", []Trigger{cron("15 10 ? * 6L *"), cron("15 10 ? * 6#3 2026-2027"), cron("0 0 9 ? * 2,5,6 *")}},
		{"every 10 minutes 06:00-18:00", []Trigger{{Type: Daily, StartDate: "2026-01-01", AtTimes: &AtTimes{Type: AtIntervals, StartTime: "06:00", EndTime: "18:00", Interval: 10}}}},
	}
	now := utc("2026-03-01 12:00")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, compiled, err := Validate(tt.triggers, now, ValidateOptions{})
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if len(out) != len(tt.triggers) || len(compiled) != len(tt.triggers) {
				t.Fatalf("got %d triggers and %d compiled, want %d", len(out), len(compiled), len(tt.triggers))
			}
		})
	}
}

func TestValidateNormalizesCron(t *testing.T) {
	out, _, err := Validate([]Trigger{cron("0 15 10 ? * 6L *"), cron("*/5 12-14 * * ?")}, utc("2026-01-01 00:00"), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Expression != "15 10 ? * 6L *" || out[1].Expression != "*/5 12-14 * * ? *" {
		t.Fatalf("stored forms %q, %q", out[0].Expression, out[1].Expression)
	}
}

// TestValidateDensestSet: 12 triggers sharing one fire every 5 minutes are
// valid, and a 13th anywhere between them is not.
func TestValidateDensestSet(t *testing.T) {
	var set []Trigger
	for i := 0; i < 12; i++ {
		set = append(set, cron(fmt.Sprintf("%d * * * ?", i*5)))
	}
	if _, _, err := Validate(set, utc("2026-01-01 00:00"), ValidateOptions{}); err != nil {
		t.Fatal(err)
	}
	set = append(set, cron("0 9 ? * 3"))
	if _, _, err := Validate(set, utc("2026-01-01 00:00"), ValidateOptions{}); err == nil {
		t.Fatal("a 13th trigger on the hour was accepted")
	}
}
