package schedule

import (
	"container/heap"
	"fmt"
	"sort"
	"time"
)

// OwnerKind says whether a trigger belongs to a task or a plan.
type OwnerKind string

// The owners of triggers.
const (
	TaskOwner OwnerKind = "TASK"
	PlanOwner OwnerKind = "PLAN"
)

// Owner is the task or plan a trigger runs.
type Owner struct {
	Kind OwnerKind
	ID   string
}

// TriggerKey names one trigger of one owner.
type TriggerKey struct {
	Owner   Owner
	Trigger string
}

func (k TriggerKey) less(o TriggerKey) bool {
	if k.Owner.Kind != o.Owner.Kind {
		return k.Owner.Kind < o.Owner.Kind
	}
	if k.Owner.ID != o.Owner.ID {
		return k.Owner.ID < o.Owner.ID
	}
	return k.Trigger < o.Trigger
}

// DefaultMisfireGrace is Config.MisfireGrace's default.
const DefaultMisfireGrace = time.Minute

// Config tunes a Planner; the zero value is safe.
type Config struct {
	// MisfireGrace is how late a fire may be and still count as on time: it
	// then records its planned time, so the schedule goes on exactly. A fire
	// later than this is a misfire (the cluster was down): it fires once now
	// and the schedule resumes after now. Must be below MinSpacing so a
	// trigger is never on time for two planned fires at once. Default 1 min.
	MisfireGrace time.Duration
}

// Entry is one armed trigger as the state store holds it.
type Entry struct {
	Key     TriggerKey
	Trigger *Compiled
	// Timeout is carried into the Fire for the execution to start.
	Timeout *TriggerTimeout
	// Since is when the trigger was saved or its owner resumed: planned
	// times at or before it never fire (nothing is replayed from before).
	// On a schedule edit, keep the trigger's LastFire and set Since to the
	// edit time: the new times apply at once and no fire is repeated, which
	// removes Talend's "edits within three minutes of a run" caveat.
	// Pausing an owner is Remove of its triggers; resuming is Put with Since
	// = the resume time, so runs missed while paused are not made up.
	Since time.Time
	// LastFire is the Mark of the trigger's last recorded Fire; zero if none.
	LastFire time.Time
}

// Fire is one execution to start.
type Fire struct {
	Key TriggerKey
	// Planned is the schedule's time for this fire; At is when it was found
	// due (the now passed to Due).
	Planned, At time.Time
	// Misfired: Planned was more than MisfireGrace before At.
	Misfired bool
	// Mark is what to record as the trigger's LastFire with the execution:
	// Planned when on time, At after a misfire.
	Mark    time.Time
	Timeout *TriggerTimeout
	// Coalesced are other triggers of the same owner due in the same Due
	// call (a catch-up after an outage, or fires a DST gap moved to one
	// instant): the owner runs once, and each of these records its own Mark.
	Coalesced []Fire
}

// Planner decides which fires are due. It is a pure in-memory index over the
// armed triggers, ordered by next fire; it reads no clock. Not safe for
// concurrent use: the scheduler loop owns it.
//
// Due advances the planner as if its fires were recorded. The caller commits
// them (executions plus each Mark as LastFire) through Raft; if it cannot
// (leadership lost), it discards the Planner, and the next leader builds a
// new one from the committed entries, so a fire is neither lost nor doubled.
type Planner struct {
	cfg   Config
	items map[TriggerKey]*plannedItem
	queue plannedQueue
}

type plannedItem struct {
	entry Entry
	next  time.Time
	index int // in queue; -1 when it never fires again
}

// NewPlanner returns an empty Planner.
func NewPlanner(cfg Config) (*Planner, error) {
	if cfg.MisfireGrace == 0 {
		cfg.MisfireGrace = DefaultMisfireGrace
	}
	if cfg.MisfireGrace < 0 || cfg.MisfireGrace >= MinSpacing {
		return nil, fmt.Errorf("planner: misfire grace %s must be between 0 and %s", cfg.MisfireGrace, MinSpacing)
	}
	return &Planner{cfg: cfg, items: make(map[TriggerKey]*plannedItem)}, nil
}

// Len is the number of armed triggers.
func (p *Planner) Len() int { return len(p.items) }

// Put arms a trigger or replaces it (a schedule edit). An entry without a
// compiled trigger (a webhook) is ignored: webhooks fire through
// WebhookBatch, and the scheduler loop also wakes at their deadlines.
func (p *Planner) Put(e Entry) {
	if e.Trigger == nil {
		return
	}
	p.Remove(e.Key)
	it := &plannedItem{entry: e, index: -1}
	ref := e.Since
	if e.LastFire.After(ref) {
		ref = e.LastFire
	}
	if next, ok := e.Trigger.NextFire(ref); ok {
		it.next = next
		heap.Push(&p.queue, it)
	}
	p.items[e.Key] = it
}

// Remove disarms a trigger (deleted, or its owner paused).
func (p *Planner) Remove(key TriggerKey) {
	it, ok := p.items[key]
	if !ok {
		return
	}
	if it.index >= 0 {
		heap.Remove(&p.queue, it.index)
	}
	delete(p.items, key)
}

// NextWake is the earliest planned fire of all armed triggers: the
// scheduler loop sleeps until then (or until the state changes).
func (p *Planner) NextWake() (time.Time, bool) {
	if len(p.queue) == 0 {
		return time.Time{}, false
	}
	return p.queue[0].next, true
}

// Due returns the fires due at now, ordered by planned time, then owner,
// then trigger; one Fire per owner (see Fire.Coalesced).
func (p *Planner) Due(now time.Time) []Fire {
	var fires []Fire
	for len(p.queue) > 0 && !p.queue[0].next.After(now) {
		it := p.queue[0]
		f := Fire{Key: it.entry.Key, Planned: it.next, At: now, Mark: it.next, Timeout: it.entry.Timeout}
		if now.Sub(it.next) > p.cfg.MisfireGrace {
			f.Misfired, f.Mark = true, now
		}
		fires = append(fires, f)
		it.entry.LastFire = f.Mark
		if next, ok := it.entry.Trigger.NextFire(f.Mark); ok {
			it.next = next
			heap.Fix(&p.queue, 0)
		} else {
			heap.Pop(&p.queue)
		}
	}
	return coalesce(fires)
}

// coalesce orders fires and folds those of one owner into the earliest.
func coalesce(fires []Fire) []Fire {
	sort.Slice(fires, func(i, j int) bool {
		if !fires[i].Planned.Equal(fires[j].Planned) {
			return fires[i].Planned.Before(fires[j].Planned)
		}
		return fires[i].Key.less(fires[j].Key)
	})
	out := fires[:0]
	first := make(map[Owner]int, len(fires))
	for _, f := range fires {
		if i, ok := first[f.Key.Owner]; ok {
			out[i].Coalesced = append(out[i].Coalesced, f)
			continue
		}
		first[f.Key.Owner] = len(out)
		out = append(out, f)
	}
	return out
}

// plannedQueue is a min-heap by next fire, then key (deterministic).
type plannedQueue []*plannedItem

func (q plannedQueue) Len() int { return len(q) }
func (q plannedQueue) Less(i, j int) bool {
	if !q[i].next.Equal(q[j].next) {
		return q[i].next.Before(q[j].next)
	}
	return q[i].entry.Key.less(q[j].entry.Key)
}
func (q plannedQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *plannedQueue) Push(x any) {
	it := x.(*plannedItem)
	it.index = len(*q)
	*q = append(*q, it)
}
func (q *plannedQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	old[len(old)-1] = nil
	it.index = -1
	*q = old[:len(old)-1]
	return it
}
