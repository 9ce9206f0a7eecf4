package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// DayList is a list of days written as JSON strings or numbers; numbers are
// kept in their decimal form and written back as numbers.
type DayList []string

// UnmarshalJSON accepts ["MONDAY", 3, "15"].
func (d *DayList) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("days: want a list of names or numbers: %w", err)
	}
	out := make(DayList, 0, len(raw))
	for _, r := range raw {
		r = bytes.TrimSpace(r)
		var s string
		if len(r) > 0 && r[0] == '"' {
			if err := json.Unmarshal(r, &s); err != nil {
				return fmt.Errorf("days: %w", err)
			}
		} else {
			var n int
			if err := json.Unmarshal(r, &n); err != nil {
				return fmt.Errorf("days: %s is neither a name nor a whole number", r)
			}
			s = strconv.Itoa(n)
		}
		out = append(out, s)
	}
	*d = out
	return nil
}

// MarshalJSON writes numeric days as numbers and names as strings.
func (d DayList) MarshalJSON() ([]byte, error) {
	vals := make([]any, len(d))
	for i, s := range d {
		if n, err := strconv.Atoi(s); err == nil {
			vals[i] = n
		} else {
			vals[i] = s
		}
	}
	return json.Marshal(vals)
}
