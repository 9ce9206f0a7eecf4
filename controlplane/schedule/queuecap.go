package schedule

import "time"

// Queue cap: "The same task or plan can only be in the execution
// queue (in Pending or Running status) maximum 50 times in a 60-minute time
// period"; an execution beyond it fails, whatever started it (scheduler,
// API, webhook).
const (
	MaxQueued    = 50
	QueuedPeriod = 60 * time.Minute
)

// QueueFull says whether one more execution of a task or plan must fail at
// now, given when each of its executions still Pending or Running was
// queued.
func QueueFull(queuedAt []time.Time, now time.Time) bool {
	n := 0
	for _, t := range queuedAt {
		if now.Sub(t) < QueuedPeriod {
			n++
		}
	}
	return n >= MaxQueued
}
