package executions

import (
	"log/slog"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Config configures executions on one node. Zero values take Talend's
// numbers; tests shorten the time-based ones.
type Config struct {
	// LogDir holds the execution log files of this node.
	LogDir string
	// Engines resolves engines and clusters; nil means StateEngines, the
	// replicated engine tables (tests give a fake).
	Engines EngineDirectory

	// Minute is the length of one "minute" of task timeouts (timeouts are
	// given in minutes, at least 1). Always time.Minute in production;
	// tests shorten it so a timeout can be observed in milliseconds.
	Minute time.Duration
	// RetryDelays is the busy-retry schedule: when parallel runs are not
	// allowed and the task is busy, the execution is retried after each
	// delay in turn, then fails with Talend's error. Default 1, 2, 4, 8
	// minutes.
	RetryDelays []time.Duration
	// QueueCap and QueueWindow: at most QueueCap executions of one task
	// queued (Pending or Running) per QueueWindow. Default 50 per hour.
	QueueCap    int
	QueueWindow time.Duration
	// EngineConcurrency caps the executions one engine runs at once
	// (default 3, the product's default capacity).
	EngineConcurrency int
	// StopGrace is how long a stop waits for the engine's confirmation
	// before the execution is recorded terminated anyway (default 30 s).
	StopGrace time.Duration
	// Rescan is how often the dispatcher looks again without a state
	// change, since engine availability can change outside its watch
	// (default 1 s).
	Rescan time.Duration
	// MaxInflight bounds concurrent dispatch and timeout proposals; raft
	// batches them (default 64).
	MaxInflight int

	// MaxLogMessageBytes truncates one log message (100 KB, as Talend does).
	MaxLogMessageBytes int
	// MaxLogBytes bounds one execution's log file on one node (default
	// 16 MiB); later lines are dropped with one notice.
	MaxLogBytes int64
	// Retention is how long execution records and logs are kept (31 days).
	Retention time.Duration
	// RetentionEvery is how often clean-up runs (default 1 hour).
	RetentionEvery time.Duration

	Logger *slog.Logger
}

// WithDefaults fills zero fields.
func (c Config) WithDefaults() Config {
	if c.Engines == nil {
		c.Engines = StateEngines{}
	}
	if c.Minute <= 0 {
		c.Minute = time.Minute
	}
	if c.RetryDelays == nil {
		c.RetryDelays = state.DefaultBusyRetryDelays()
	}
	if c.QueueCap <= 0 {
		c.QueueCap = state.DefaultQueueCap
	}
	if c.QueueWindow <= 0 {
		c.QueueWindow = state.DefaultQueueWindow
	}
	if c.EngineConcurrency <= 0 {
		c.EngineConcurrency = state.DefaultEngineConcurrency
	}
	if c.StopGrace <= 0 {
		c.StopGrace = 30 * time.Second
	}
	if c.Rescan <= 0 {
		c.Rescan = time.Second
	}
	if c.MaxInflight <= 0 {
		c.MaxInflight = 64
	}
	if c.MaxLogMessageBytes <= 0 {
		c.MaxLogMessageBytes = 100 << 10
	}
	if c.MaxLogBytes <= 0 {
		c.MaxLogBytes = 16 << 20
	}
	if c.Retention <= 0 {
		c.Retention = 31 * 24 * time.Hour
	}
	if c.RetentionEvery <= 0 {
		c.RetentionEvery = time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
