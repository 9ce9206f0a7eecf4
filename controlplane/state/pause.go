package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Pause is the paused state shared by tasks and plans: while paused,
// triggers, manual, API and webhook runs are refused; current runs finish.
// Embedded, so its fields stay flat in the JSON of both.
type Pause struct {
	Paused      bool       `json:"paused"`
	PauseReason string     `json:"pauseReason,omitempty"`
	PausedBy    string     `json:"pausedBy,omitempty"`
	PausedAt    *time.Time `json:"pausedAt,omitempty"`
}

// pausedBy is the pause a command records: its actor, reason and time.
func pausedBy(cmd cluster.Command, reason string) Pause {
	at := cmd.Meta.Time
	return Pause{Paused: true, PauseReason: reason, PausedBy: cmd.Meta.ActorName, PausedAt: &at}
}
