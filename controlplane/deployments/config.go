package deployments

import "time"

// Config tunes deployments on one node. Zero values take the defaults.
type Config struct {
	// MetricsStaleAfter flags a running deployment's metrics stale when its
	// last record is older (20 minutes).
	MetricsStaleAfter time.Duration
	// MetricsEvery stores at most one metrics record per deployment per
	// interval through raft (default 30 s); engines may send more often.
	MetricsEvery time.Duration
	// Rescan bounds the deployment watcher's wait when nothing changes
	// (default 1 s).
	Rescan time.Duration
}

// Defaults.
const (
	DefaultMetricsStaleAfter = 20 * time.Minute
	DefaultMetricsEvery      = 30 * time.Second
	DefaultRescan            = time.Second
)

// WithDefaults fills zero values.
func (c Config) WithDefaults() Config {
	if c.MetricsStaleAfter <= 0 {
		c.MetricsStaleAfter = DefaultMetricsStaleAfter
	}
	if c.MetricsEvery <= 0 {
		c.MetricsEvery = DefaultMetricsEvery
	}
	if c.Rescan <= 0 {
		c.Rescan = DefaultRescan
	}
	return c
}
