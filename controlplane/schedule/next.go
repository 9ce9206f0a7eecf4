package schedule

import "time"

// searchDays bounds the day-by-day search of calendar triggers: four years
// plus the longest interval, so a trigger that never fires (31 February)
// ends the search instead of spinning.
const searchDays = 4*366 + MaxInterval*31

// NextFire is the first instant strictly after after at which the trigger
// fires, in its zone with the DST rules of doc.go; false when it never fires
// again (a past ONCE, a cron whose years are over).
func (c *Compiled) NextFire(after time.Time) (time.Time, bool) {
	f, ok := c.nextFireWall(after)
	return f.at, ok
}

// nextFireWall is NextFire that also says whether a spring-forward gap moved
// the fire off its wall time.
func (c *Compiled) nextFireWall(after time.Time) (fire, bool) {
	w := wallOf(after, c.loc)
	// Wall times keep increasing; in a repeated hour or a gap several wall
	// times map to instants not after after, so walk on until one is later.
	for i := 0; i < 1<<16; i++ {
		next, ok := c.nextWall(w)
		if !ok {
			return fire{}, false
		}
		if u := instantOf(next, c.loc); u.After(after) {
			return fire{at: u, moved: !wallOf(u, c.loc).Equal(next)}, true
		}
		w = next
	}
	return fire{}, false
}

// nextWall is the first wall time strictly after w, not before the start
// date, at which the trigger fires.
func (c *Compiled) nextWall(w time.Time) (time.Time, bool) {
	if w.Before(c.start) {
		w = c.start.Add(-time.Nanosecond)
	}
	switch c.typ {
	case Once:
		return c.once, c.once.After(w)
	case Cron:
		return cronNextWall(c.cron, w)
	}
	return c.calendarNextWall(w)
}

// calendarNextWall serves DAILY, WEEKLY and MONTHLY: the first active day
// from w's date on, and in it the first time slot after w.
func (c *Compiled) calendarNextWall(w time.Time) (time.Time, bool) {
	day := dayOf(w)
	sinceMidnight := w.Sub(day)
	if day.Before(c.start) {
		day, sinceMidnight = c.start, -time.Nanosecond
	}
	for i := 0; i < searchDays; i, day = i+1, day.AddDate(0, 0, 1) {
		if !c.active(day) {
			continue
		}
		for _, m := range c.slots {
			at := time.Duration(m) * time.Minute
			if i > 0 || at > sinceMidnight {
				return day.Add(at), true
			}
		}
	}
	return time.Time{}, false
}

// active says whether the trigger fires on wall date day (on or after start).
func (c *Compiled) active(day time.Time) bool {
	switch c.typ {
	case Daily:
		return daysBetween(c.start, day)%c.interval == 0
	case Weekly:
		if !c.weekdays[day.Weekday()] {
			return false
		}
		// Weeks run Monday to Sunday and are counted from the start date's week.
		return daysBetween(mondayOf(c.start), mondayOf(day))/7%c.interval == 0
	case Monthly:
		if !c.mdays[day.Day()] {
			return false
		}
		months := (day.Year()-c.start.Year())*12 + int(day.Month()) - int(c.start.Month())
		return months%c.interval == 0
	}
	return false
}

func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours()) / 24 }

func mondayOf(day time.Time) time.Time {
	back := (int(day.Weekday()) + 6) % 7
	return day.AddDate(0, 0, -back)
}
