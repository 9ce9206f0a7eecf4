package schedule

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/cronexpr"
)

// MaxInterval bounds "repeat every N" days, weeks or months: enough for any
// real calendar, and it bounds the search for the next fire.
const MaxInterval = 99

// Compiled is a validated time trigger ready for next-fire computation. It
// is immutable and safe for concurrent use.
type Compiled struct {
	typ      TriggerType
	loc      *time.Location
	start    time.Time // wall midnight of StartDate
	interval int
	slots    []int // minutes after midnight, sorted, unique
	weekdays [7]bool
	mdays    [32]bool
	once     time.Time // wall time of a ONCE trigger
	cron     *cronexpr.Expression
}

// Location is the trigger's time zone.
func (c *Compiled) Location() *time.Location { return c.loc }

// Compile checks one time trigger on its own and prepares it. Webhook
// triggers have no fire times: Compile refuses them. index is the trigger's
// position, reported in errors; zones may be nil.
func Compile(index int, t Trigger, zones *Zones) (*Compiled, error) {
	c := &Compiled{typ: t.Type, interval: t.Interval}
	var err error
	if c.loc, err = loadZone(index, t.TimeZone, zones); err != nil {
		return nil, err
	}
	if t.StartDate == "" {
		return nil, invalid(index, "startDate", "is required (YYYY-MM-DD)")
	}
	if c.start, err = parseDate(t.StartDate); err != nil {
		return nil, invalid(index, "startDate", "%v", err)
	}
	if c.interval == 0 {
		c.interval = 1
	}
	if c.interval < 1 || c.interval > MaxInterval {
		return nil, invalid(index, "interval", "must be 1-%d, got %d", MaxInterval, t.Interval)
	}
	switch t.Type {
	case Once:
		err = c.compileOnce(index, t)
	case Daily:
		err = c.compileSlots(index, t.AtTimes, true)
	case Weekly:
		err = c.compileWeekly(index, t)
	case Monthly:
		err = c.compileMonthly(index, t)
	case Cron:
		err = c.compileCronTrigger(index, t)
	case Webhook:
		err = invalid(index, "type", "WEBHOOK has no fire times")
	default:
		err = invalid(index, "type", "unknown trigger type %q: want ONCE, DAILY, WEEKLY, MONTHLY, CRON or WEBHOOK", t.Type)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func loadZone(index int, name string, zones *Zones) (*time.Location, error) {
	// "Local" would make fire times depend on the server's configuration.
	if name == "Local" {
		return nil, invalid(index, "timeZone", "unknown time zone %q: use an IANA name such as Europe/Paris", name)
	}
	loc, err := zones.Load(name)
	if err != nil {
		return nil, invalid(index, "timeZone", "unknown time zone %q: use an IANA name such as Europe/Paris", name)
	}
	return loc, nil
}

func (c *Compiled) compileOnce(index int, t Trigger) error {
	if t.AtTimes == nil || t.AtTimes.Type != AtTime {
		return invalid(index, "atTimes", "ONCE needs {\"type\": \"AT_TIME\", \"time\": \"HH:MM\"}")
	}
	m, err := clockMinutes(t.AtTimes.Time)
	if err != nil {
		return invalid(index, "atTimes.time", "%v", err)
	}
	c.once = c.start.Add(time.Duration(m) * time.Minute)
	return nil
}

// compileSlots reads the times of day. Intervals are allowed for calendar
// triggers (the UI's "At specific intervals").
func (c *Compiled) compileSlots(index int, at *AtTimes, intervals bool) error {
	if at == nil {
		return invalid(index, "atTimes", "is required: AT_TIME, AT_TIMES or AT_INTERVALS")
	}
	var slots []int
	switch at.Type {
	case AtTime:
		m, err := clockMinutes(at.Time)
		if err != nil {
			return invalid(index, "atTimes.time", "%v", err)
		}
		slots = []int{m}
	case AtTimesList:
		if len(at.Times) == 0 {
			return invalid(index, "atTimes.times", "needs at least one HH:MM")
		}
		for _, s := range at.Times {
			m, err := clockMinutes(s)
			if err != nil {
				return invalid(index, "atTimes.times", "%v", err)
			}
			slots = append(slots, m)
		}
	case AtIntervals:
		if !intervals {
			return invalid(index, "atTimes.type", "AT_INTERVALS is not allowed here")
		}
		var err error
		if slots, err = intervalSlots(index, at); err != nil {
			return err
		}
	default:
		return invalid(index, "atTimes.type", "unknown %q: want AT_TIME, AT_TIMES or AT_INTERVALS", at.Type)
	}
	sort.Ints(slots)
	c.slots = slots[:0]
	for i, m := range slots {
		if i == 0 || m != slots[i-1] {
			c.slots = append(c.slots, m)
		}
	}
	return nil
}

func intervalSlots(index int, at *AtTimes) ([]int, error) {
	from, err := clockMinutes(at.StartTime)
	if err != nil {
		return nil, invalid(index, "atTimes.startTime", "%v", err)
	}
	to, err := clockMinutes(at.EndTime)
	if err != nil {
		return nil, invalid(index, "atTimes.endTime", "%v", err)
	}
	if to < from {
		return nil, invalid(index, "atTimes.endTime", "%s is before startTime %s", at.EndTime, at.StartTime)
	}
	if at.Interval < 1 {
		return nil, invalid(index, "atTimes.interval", "must be a number of minutes >= 1")
	}
	var slots []int
	for m := from; m <= to; m += at.Interval {
		slots = append(slots, m)
	}
	return slots, nil
}

var weekdayNames = map[string]time.Weekday{
	"SUNDAY": time.Sunday, "MONDAY": time.Monday, "TUESDAY": time.Tuesday,
	"WEDNESDAY": time.Wednesday, "THURSDAY": time.Thursday, "FRIDAY": time.Friday,
	"SATURDAY": time.Saturday,
}

func (c *Compiled) compileWeekly(index int, t Trigger) error {
	if t.AtDays == nil || t.AtDays.Type != DayOfWeek || len(t.AtDays.Days) == 0 {
		return invalid(index, "atDays", "WEEKLY needs {\"type\": \"DAY_OF_WEEK\", \"days\": [\"MONDAY\", ...]}")
	}
	for _, d := range t.AtDays.Days {
		wd, ok := weekdayNames[strings.ToUpper(d)]
		if !ok {
			return invalid(index, "atDays.days", "%q is not a weekday: want MONDAY ... SUNDAY", d)
		}
		c.weekdays[wd] = true
	}
	return c.compileSlots(index, t.AtTimes, true)
}

func (c *Compiled) compileMonthly(index int, t Trigger) error {
	if t.AtDays == nil || t.AtDays.Type != DayOfMonth || len(t.AtDays.Days) == 0 {
		return invalid(index, "atDays", "MONTHLY needs {\"type\": \"DAY_OF_MONTH\", \"days\": [1, 15, ...]}")
	}
	for _, d := range t.AtDays.Days {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 31 {
			return invalid(index, "atDays.days", "%q is not a day of the month 1-31", d)
		}
		c.mdays[n] = true
	}
	return c.compileSlots(index, t.AtTimes, true)
}

func (c *Compiled) compileCronTrigger(index int, t Trigger) error {
	if strings.TrimSpace(t.Expression) == "" {
		return invalid(index, "expression", "CRON needs an expression")
	}
	e, _, err := compileCron(t.Expression)
	if err != nil {
		return invalid(index, "expression", "invalid cron %q: %v", t.Expression, err)
	}
	c.cron = e
	return nil
}
