package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/cronexpr"
)

// MaxCronYear is the last year a CRON trigger may name ("to 2099").
const MaxCronYear = 2099

// cronFields is the stored form: minute hour day-of-month month
// day-of-week year.
type cronFields [6]string

// normalizeCron turns a 5, 6 or 7 field Quartz-style expression into the
// stored six fields: 5 fields get a `*` year, 7 fields lose their leading
// seconds (Talend ignores seconds).
func normalizeCron(expr string) (cronFields, error) {
	var f cronFields
	parts := strings.Fields(expr)
	switch len(parts) {
	case 5:
		parts = append(parts, "*")
	case 6:
	case 7:
		parts = parts[1:]
	default:
		return f, fmt.Errorf("want 5, 6 or 7 fields separated by spaces, got %d", len(parts))
	}
	copy(f[:], parts)
	return f, nil
}

func (f cronFields) String() string { return strings.Join(f[:], " ") }

// compileCron parses an expression of Talend's Quartz dialect with
// hashicorp/cronexpr.
func compileCron(expr string) (*cronexpr.Expression, cronFields, error) {
	f, err := normalizeCron(expr)
	if err != nil {
		return nil, f, err
	}
	dom, dow := f[2], f[4]
	if !anyDay(dom) && !anyDay(dow) {
		return nil, f, fmt.Errorf("day-of-month %q and day-of-week %q are both set: put ? in one of them", dom, dow)
	}
	if err := checkYears(f[5]); err != nil {
		return nil, f, err
	}
	unixDOW, err := quartzToUnixDOW(dow)
	if err != nil {
		return nil, f, fmt.Errorf("day-of-week %q: %w", dow, err)
	}
	// cronexpr's 7-field form starts with seconds; fires are on the minute.
	e, err := cronexpr.Parse(strings.Join([]string{"0", f[0], f[1], dom, f[3], unixDOW, f[5]}, " "))
	if err != nil {
		return nil, f, err
	}
	return e, f, nil
}

func anyDay(field string) bool { return field == "?" || field == "*" }

// checkYears refuses years after MaxCronYear (cronexpr also refuses them, with
// a vaguer message) and before 1970.
func checkYears(field string) error {
	for _, tok := range strings.FieldsFunc(field, func(r rune) bool { return r == ',' || r == '-' || r == '/' }) {
		n, err := strconv.Atoi(tok)
		if err != nil {
			continue // `*`, or a syntax error cronexpr reports
		}
		if n > MaxCronYear {
			return fmt.Errorf("year %d is after %d", n, MaxCronYear)
		}
	}
	return nil
}

// quartzToUnixDOW rewrites a day-of-week field from Quartz numbering
// (1 = SUN ... 7 = SAT) to cronexpr's (0 = SUN ... 6 = SAT). Names are kept;
// `L` alone is Saturday in Quartz; `nL` (last n-day) and `n#k` (k-th n-day)
// shift n only; step sizes are not day numbers and are kept.
func quartzToUnixDOW(field string) (string, error) {
	if field == "L" {
		return "6", nil
	}
	items := strings.Split(field, ",")
	for i, item := range items {
		out, err := shiftDOWItem(item)
		if err != nil {
			return "", err
		}
		items[i] = out
	}
	return strings.Join(items, ","), nil
}

func shiftDOWItem(item string) (string, error) {
	switch {
	case item == "*" || item == "?":
		return item, nil
	case strings.Contains(item, "#"):
		day, nth, _ := strings.Cut(item, "#")
		d, err := shiftDOWValue(day)
		return d + "#" + nth, err
	case strings.HasSuffix(item, "L"):
		d, err := shiftDOWValue(strings.TrimSuffix(item, "L"))
		return d + "L", err
	}
	rng, step, hasStep := strings.Cut(item, "/")
	lo, hi, hasHi := strings.Cut(rng, "-")
	out, err := shiftDOWValue(lo)
	if err != nil {
		return "", err
	}
	if hasHi {
		h, err := shiftDOWValue(hi)
		if err != nil {
			return "", err
		}
		out += "-" + h
	}
	if hasStep {
		out += "/" + step
	}
	return out, nil
}

// shiftDOWValue maps one Quartz day (1-7 or a name) to cronexpr's numbering.
func shiftDOWValue(v string) (string, error) {
	if v == "*" || v == "" {
		return v, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return v, nil // a name such as MON; cronexpr checks it
	}
	if n < 1 || n > 7 {
		return "", fmt.Errorf("day %d is outside 1-7 (1 = SUN ... 7 = SAT)", n)
	}
	return strconv.Itoa(n - 1), nil
}

// cronNextWall is the first wall time strictly after after (a naive UTC
// wall clock) that the expression matches, or false when none is left
// (its years are over).
func cronNextWall(e *cronexpr.Expression, after time.Time) (time.Time, bool) {
	n := e.Next(after)
	return n, !n.IsZero()
}
