package schedulefire

import (
	"log/slog"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Clock is the scheduler's time source; tests pass a controllable one.
type Clock interface {
	Now() time.Time
	// At delivers once the clock reaches t, at once if it already has.
	// An absolute time, not a duration: a wait computed from an earlier
	// Now must not move later when the clock jumped in between (a clock
	// set forward, or a host suspended).
	At(t time.Time) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                  { return time.Now().UTC() }
func (realClock) At(t time.Time) <-chan time.Time { return time.After(time.Until(t)) }

// Config tunes the scheduler; the zero value is safe.
type Config struct {
	// Clock decides "now"; nil is the system clock.
	Clock Clock
	// MisfireGrace is how late a fire may be and still keep its planned
	// time (see schedule.Config); 0 is schedule.DefaultMisfireGrace.
	MisfireGrace time.Duration
	// MaxSleep bounds one wait of the loop, so a clock jump is noticed.
	// Default 30 s.
	MaxSleep time.Duration
	// FireBatch is how many due fires go in one raft entry. Default 500.
	FireBatch int
	// FireWorkers is how many batches are written at once. Default 4.
	FireWorkers int
	// PublicURL is the base of webhook URLs (e.g. https://cp.example.com);
	// empty derives it from the request that creates the webhook.
	PublicURL string
	// Limits returns the execution limits in force (executions.Config).
	Limits func() state.RunLimits
	Logger *slog.Logger
}

// WithDefaults fills the zero fields.
func (c Config) WithDefaults() Config {
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	if c.FireWorkers <= 0 {
		c.FireWorkers = 4
	}
	if c.FireBatch <= 0 {
		c.FireBatch = 500
	}
	if c.MaxSleep <= 0 {
		c.MaxSleep = 30 * time.Second
	}
	if c.Limits == nil {
		c.Limits = func() state.RunLimits { return state.RunLimits{} }
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
