package schedule

import (
	"fmt"
	"time"
)

// TimeoutMode is how a trigger bounds the runs it starts.
type TimeoutMode string

// The trigger timeout modes.
const (
	// SameAsTask (the default) keeps the task's own timeout.
	SameAsTask TimeoutMode = "SAME_AS_TASK"
	// NoTimeout lets the runs go on without a limit.
	NoTimeout TimeoutMode = "NO_TIMEOUT"
	// CustomTimeout sets Minutes (at least 1).
	CustomTimeout TimeoutMode = "CUSTOM"
)

// MinCustomTimeout is the smallest custom trigger timeout: 1 minute.
const MinCustomTimeout = time.Minute

// TriggerTimeout overrides the task timeout for runs started by a trigger:
// "Trigger timeout overrides task timeout."
type TriggerTimeout struct {
	Mode TimeoutMode `json:"mode"`
	// Minutes, for CUSTOM.
	Minutes int `json:"minutes,omitempty"`
}

// Effective is the timeout a run started by this trigger gets, given the
// task's own timeout; limited is false when the run has no limit. A nil
// TriggerTimeout is SAME_AS_TASK. taskLimited says whether the task itself
// has a limit.
func (t *TriggerTimeout) Effective(task time.Duration, taskLimited bool) (d time.Duration, limited bool) {
	if t == nil {
		return task, taskLimited
	}
	switch t.Mode {
	case NoTimeout:
		return 0, false
	case CustomTimeout:
		return time.Duration(t.Minutes) * time.Minute, true
	}
	return task, taskLimited
}

func (t *TriggerTimeout) validate(index int) error {
	if t == nil {
		return nil
	}
	switch t.Mode {
	case SameAsTask, NoTimeout, "":
		if t.Minutes != 0 {
			return invalid(index, "timeout.minutes", "only allowed with mode CUSTOM")
		}
		return nil
	case CustomTimeout:
		if time.Duration(t.Minutes)*time.Minute < MinCustomTimeout {
			return invalid(index, "timeout.minutes", "must be at least %d (minutes), got %d", int(MinCustomTimeout/time.Minute), t.Minutes)
		}
		return nil
	}
	return invalid(index, "timeout.mode", "unknown %q: want SAME_AS_TASK, NO_TIMEOUT or CUSTOM", t.Mode)
}

// String is the UI's line under the trigger name.
func (t *TriggerTimeout) String() string {
	if t == nil || t.Mode == SameAsTask || t.Mode == "" {
		return "Same as task"
	}
	if t.Mode == NoTimeout {
		return "No timeout"
	}
	return fmt.Sprintf("Custom: %d min", t.Minutes)
}
