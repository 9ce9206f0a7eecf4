package schedule

import (
	"time"
)

// Webhook window bounds. Talend gives examples (threshold 10, duration
// 30 s) but no limits; these are ours, wide enough for any example and
// small enough that one batch stays a reasonable execution parameter.
const (
	MaxWindowThreshold = 1000
	MaxWindowDuration  = 3600 // seconds
)

// WebhookWindow is a WEBHOOK trigger's batching window: calls accumulate
// until WindowThreshold calls have arrived or WindowDuration seconds have
// passed since the first one, whichever comes first; then one execution runs
// with all of them.
type WebhookWindow struct {
	// Name: alphanumerics and '_' only; it is the URL's first segment.
	Name            string `json:"name,omitempty"`
	WindowThreshold int    `json:"windowThreshold"`
	WindowDuration  int    `json:"windowDuration"` // seconds
}

// Duration is WindowDuration as a time.Duration.
func (w WebhookWindow) Duration() time.Duration {
	return time.Duration(w.WindowDuration) * time.Second
}

// Validate checks the window; index is the trigger's position (-1 for the
// `POST .../webhook` body).
func (w WebhookWindow) Validate(index int) error {
	if w.Name != "" && !validName(w.Name, "_") {
		return invalid(index, "webhook.name", "%q: only letters, digits and _ are allowed", w.Name)
	}
	if w.WindowThreshold < 1 || w.WindowThreshold > MaxWindowThreshold {
		return invalid(index, "windowThreshold", "must be 1-%d calls, got %d", MaxWindowThreshold, w.WindowThreshold)
	}
	if w.WindowDuration < 1 || w.WindowDuration > MaxWindowDuration {
		return invalid(index, "windowDuration", "must be 1-%d seconds, got %d", MaxWindowDuration, w.WindowDuration)
	}
	return nil
}

// WebhookBatch is the pending window of one webhook: a pure state machine,
// the clock passed in. Its fields are exported so the state store can keep
// it; the zero value is an empty window.
type WebhookBatch struct {
	Calls   []WebhookCall `json:"calls,omitempty"`
	FirstAt time.Time     `json:"firstAt,omitzero"`
}

// Deadline is when the window closes by duration; false when it is empty.
// The scheduler loop wakes at the deadline and calls Expire.
func (b *WebhookBatch) Deadline(w WebhookWindow) (time.Time, bool) {
	if len(b.Calls) == 0 {
		return time.Time{}, false
	}
	return b.FirstAt.Add(w.Duration()), true
}

// Expire closes the window if its duration has passed at now, returning the
// calls of the one execution to start, or nil.
func (b *WebhookBatch) Expire(w WebhookWindow, now time.Time) []WebhookCall {
	if d, ok := b.Deadline(w); !ok || now.Before(d) {
		return nil
	}
	return b.take()
}

// Add records a call received at now. It returns the batches to run, oldest
// first: a window whose duration had already passed (nobody called Expire
// yet) closes before the call opens a new one, and a window that reaches the
// threshold with this call closes at once.
func (b *WebhookBatch) Add(w WebhookWindow, now time.Time, call WebhookCall) [][]WebhookCall {
	var fired [][]WebhookCall
	if calls := b.Expire(w, now); calls != nil {
		fired = append(fired, calls)
	}
	if len(b.Calls) == 0 {
		b.FirstAt = now
	}
	b.Calls = append(b.Calls, call)
	if len(b.Calls) >= w.WindowThreshold {
		fired = append(fired, b.take())
	}
	return fired
}

func (b *WebhookBatch) take() []WebhookCall {
	calls := b.Calls
	b.Calls, b.FirstAt = nil, time.Time{}
	return calls
}
