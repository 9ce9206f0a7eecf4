package schedule

// TriggerType is a trigger's kind, verbatim from the Talend API enum.
type TriggerType string

// The trigger types. MANUAL (Run now) is not a stored trigger: a task or plan
// with no trigger is run manually.
const (
	Once    TriggerType = "ONCE"
	Daily   TriggerType = "DAILY"
	Weekly  TriggerType = "WEEKLY"
	Monthly TriggerType = "MONTHLY"
	Cron    TriggerType = "CRON"
	Webhook TriggerType = "WEBHOOK"
)

// AtTimesType says how the times of day of a calendar trigger are given.
type AtTimesType string

// The ways to give times of day.
const (
	// AtTime is one time of day: AtTimes.Time.
	AtTime AtTimesType = "AT_TIME"
	// AtTimesList is several times of day: AtTimes.Times.
	AtTimesList AtTimesType = "AT_TIMES"
	// AtIntervals is every AtTimes.Interval minutes from StartTime to EndTime
	// (both inclusive), the UI's "Repeat from / Repeat until".
	AtIntervals AtTimesType = "AT_INTERVALS"
)

// AtDaysType says which days a WEEKLY or MONTHLY trigger fires on.
type AtDaysType string

// The ways to give days.
const (
	// DayOfWeek lists weekdays by English name: MONDAY ... SUNDAY (WEEKLY).
	DayOfWeek AtDaysType = "DAY_OF_WEEK"
	// DayOfMonth lists days of the month 1-31 (MONTHLY); a day a month does
	// not have (31 in April) is skipped in that month, as in cron.
	DayOfMonth AtDaysType = "DAY_OF_MONTH"
)

// Trigger is one time or webhook trigger of a task or plan, in the JSON shape
// of `PUT .../schedule {"triggers": [...]}`.
type Trigger struct {
	// ID identifies the trigger inside its task or plan; the API assigns it
	// when empty. The Planner keys fires by owner and ID.
	ID string `json:"id,omitempty"`
	// Name: alphanumerics, '-', '#' and '_' only. Optional here.
	Name string      `json:"name,omitempty"`
	Type TriggerType `json:"type"`
	// StartDate is the first day the trigger may fire, YYYY-MM-DD in TimeZone.
	StartDate string `json:"startDate,omitempty"`
	// TimeZone is an IANA name such as "Europe/Paris"; empty means UTC.
	TimeZone string `json:"timeZone,omitempty"`
	// Interval is "repeat every N" days (DAILY), weeks (WEEKLY) or months
	// (MONTHLY), counted from StartDate (weeks run Monday to Sunday from the
	// start date's week); 0 means 1, at most MaxInterval.
	Interval int      `json:"interval,omitempty"`
	AtDays   *AtDays  `json:"atDays,omitempty"`
	AtTimes  *AtTimes `json:"atTimes,omitempty"`
	// Expression is the CRON trigger's Quartz-style expression (5, 6 or 7
	// fields); see doc.go for the dialect.
	Expression string `json:"expression,omitempty"`
	// Timeout overrides the task timeout for runs this trigger starts; nil is
	// "same as task".
	Timeout *TriggerTimeout `json:"timeout,omitempty"`
	// Webhook holds the WEBHOOK trigger's window.
	Webhook *WebhookWindow `json:"webhook,omitempty"`
}

// AtTimes gives the times of day (HH:MM, 24 h, in the trigger's zone).
type AtTimes struct {
	Type      AtTimesType `json:"type"`
	Time      string      `json:"time,omitempty"`
	Times     []string    `json:"times,omitempty"`
	StartTime string      `json:"startTime,omitempty"`
	EndTime   string      `json:"endTime,omitempty"`
	// Interval in minutes, for AT_INTERVALS.
	Interval int `json:"interval,omitempty"`
}

// AtDays gives the days of a WEEKLY (weekday names) or MONTHLY (numbers)
// trigger. Days accepts JSON strings or numbers, so both
// ["MONDAY","FRIDAY"] and [1, 15] read naturally.
type AtDays struct {
	Type AtDaysType `json:"type"`
	Days DayList    `json:"days"`
}

// Schedule is the body of `PUT/GET .../schedule`.
type Schedule struct {
	Triggers []Trigger `json:"triggers"`
}
