package schedule

import (
	"container/heap"
	"fmt"
	"strings"
	"time"
)

// Limits of triggers, as Talend Management Console sets them.
const (
	// MaxTriggers is the most time triggers a task or plan may have; a
	// webhook trigger must be alone.
	MaxTriggers = 15
	// MinSpacing is the least time between two fires of one task or plan.
	MinSpacing = 5 * time.Minute
	// DefaultSpacingWindow is how far ahead Validate looks for fires closer
	// than MinSpacing.
	DefaultSpacingWindow = 366 * 24 * time.Hour
)

// ValidateOptions tunes Validate; the zero value uses the defaults.
type ValidateOptions struct {
	// SpacingWindow is how far past now (or past the latest start date) fires
	// are compared; 0 means DefaultSpacingWindow.
	SpacingWindow time.Duration
	// Zones shares loaded time zones; nil loads them each time.
	Zones *Zones
}

// Validate checks the triggers of one task or plan at time now, as a
// `PUT .../schedule` would, and returns them normalized (cron expressions in
// the stored six-field form) with their compiled forms (nil for a webhook),
// index for index. The first rule broken is returned as a *ValidationError.
func Validate(triggers []Trigger, now time.Time, opts ValidateOptions) ([]Trigger, []*Compiled, error) {
	if err := checkSetShape(triggers); err != nil {
		return nil, nil, err
	}
	out := make([]Trigger, len(triggers))
	compiled := make([]*Compiled, len(triggers))
	for i, t := range triggers {
		c, err := validateOne(i, t, now, opts.Zones)
		if err != nil {
			return nil, nil, err
		}
		if t.Type == Cron {
			f, _ := normalizeCron(t.Expression)
			t.Expression = f.String()
		}
		out[i], compiled[i] = t, c
	}
	window := opts.SpacingWindow
	if window <= 0 {
		window = DefaultSpacingWindow
	}
	if err := checkSpacing(triggers, compiled, now, window); err != nil {
		return nil, nil, err
	}
	return out, compiled, nil
}

func checkSetShape(triggers []Trigger) error {
	webhooks := 0
	ids := make(map[string]int, len(triggers))
	for i, t := range triggers {
		if t.Type == Webhook {
			webhooks++
		}
		if t.ID == "" {
			continue
		}
		if j, dup := ids[t.ID]; dup {
			return invalid(i, "id", "%q is already used by triggers[%d]", t.ID, j)
		}
		ids[t.ID] = i
	}
	if webhooks > 0 && len(triggers) > 1 {
		return invalid(-1, "triggers", "a webhook trigger must be alone: delete the other triggers, or copy the task or plan to have both")
	}
	if len(triggers) > MaxTriggers {
		return invalid(-1, "triggers", "at most %d triggers per task or plan, got %d", MaxTriggers, len(triggers))
	}
	return nil
}

func validateOne(i int, t Trigger, now time.Time, zones *Zones) (*Compiled, error) {
	if t.Name != "" && !validName(t.Name, "-#_") {
		return nil, invalid(i, "name", "%q: only letters, digits, -, # and _ are allowed (no spaces)", t.Name)
	}
	if err := t.Timeout.validate(i); err != nil {
		return nil, err
	}
	if t.Type == Webhook {
		if t.Webhook == nil {
			return nil, invalid(i, "webhook", "WEBHOOK needs {\"windowThreshold\", \"windowDuration\"}")
		}
		return nil, t.Webhook.Validate(i)
	}
	c, err := Compile(i, t, zones)
	if err != nil {
		return nil, err
	}
	if _, ok := c.NextFire(now); !ok {
		return nil, invalid(i, fieldOfTimes(t.Type), "never fires after %s", now.In(c.loc).Format(time.DateTime+" MST"))
	}
	return c, nil
}

func fieldOfTimes(t TriggerType) string {
	if t == Cron {
		return "expression"
	}
	return "atTimes"
}

// validName says whether s holds only ASCII letters, digits and the runes
// of extra.
func validName(s, extra string) bool {
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(extra, r)
		if !ok {
			return false
		}
	}
	return s != ""
}

// checkSpacing walks the merged fires of all time triggers from now to the
// end of the window and refuses two consecutive fires less than MinSpacing
// apart. A fire moved by a spring-forward gap is exempt: DST made it, not
// the user, and the Planner runs a task once for fires that coincide.
func checkSpacing(triggers []Trigger, compiled []*Compiled, now time.Time, window time.Duration) error {
	h := fireHeap{}
	end := now
	for i, c := range compiled {
		if c == nil {
			continue
		}
		if s := instantOf(c.start, c.loc); s.After(end) {
			end = s
		}
		if f, ok := c.nextFireWall(now); ok {
			f.index = i
			h = append(h, f)
		}
	}
	end = end.Add(window)
	heap.Init(&h)
	var prev *fire
	for h.Len() > 0 {
		f := heap.Pop(&h).(fire)
		if f.at.After(end) {
			break
		}
		if !f.moved {
			if prev != nil && f.at.Sub(prev.at) < MinSpacing {
				return spacingError(triggers, compiled, *prev, f)
			}
			p := f
			prev = &p
		}
		if n, ok := compiled[f.index].nextFireWall(f.at); ok {
			n.index = f.index
			heap.Push(&h, n)
		}
	}
	return nil
}

func spacingError(triggers []Trigger, compiled []*Compiled, a, b fire) error {
	loc := compiled[b.index].loc
	who := "its previous fire"
	if a.index != b.index {
		who = fmt.Sprintf("triggers[%d]'s fire", a.index)
	}
	return invalid(b.index, fieldOfTimes(triggers[b.index].Type),
		"fires at %s, %s after %s at %s: triggers must be separated by at least %s",
		b.at.In(loc).Format("2006-01-02 15:04 MST"), b.at.Sub(a.at), who,
		a.at.In(loc).Format("2006-01-02 15:04 MST"), MinSpacing)
}

// fire is one planned fire of trigger index; moved when a spring-forward
// gap moved it off its wall time.
type fire struct {
	at    time.Time
	index int
	moved bool
}

// fireHeap orders fires by instant, then trigger index (deterministic).
type fireHeap []fire

func (h fireHeap) Len() int { return len(h) }
func (h fireHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].index < h[j].index
}
func (h fireHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *fireHeap) Push(x any)   { *h = append(*h, x.(fire)) }
func (h *fireHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
