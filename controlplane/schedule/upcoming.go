package schedule

import (
	"container/heap"
	"time"
)

// Upcoming is one future fire of a schedule, for `GET .../schedule` ("Next
// run") and for previewing a schedule before it is saved.
type Upcoming struct {
	// Index is the trigger's position in the schedule.
	Index int
	At    time.Time
}

// NextFires lists the next n fires of a schedule's triggers after after, in
// order (ties by trigger index); nil entries (webhooks) are skipped.
func NextFires(compiled []*Compiled, after time.Time, n int) []Upcoming {
	h := fireHeap{}
	for i, c := range compiled {
		if c == nil {
			continue
		}
		if f, ok := c.nextFireWall(after); ok {
			f.index = i
			h = append(h, f)
		}
	}
	heap.Init(&h)
	var out []Upcoming
	for len(out) < n && h.Len() > 0 {
		f := heap.Pop(&h).(fire)
		out = append(out, Upcoming{Index: f.index, At: f.at})
		if next, ok := compiled[f.index].nextFireWall(f.at); ok {
			next.index = f.index
			heap.Push(&h, next)
		}
	}
	return out
}
