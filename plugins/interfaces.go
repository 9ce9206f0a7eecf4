package plugins

import "context"

// Workload is what every shape offers. Implementations must be safe for
// concurrent use: the host calls Wait, Logs and Status at the same time.
type Workload interface {
	// Start begins the work and returns once it runs.
	Start(ctx context.Context, req StartRequest) (StartInfo, error)
	// Wait blocks until the work has ended and returns how. It may be
	// called again (after a host restart) and returns the same Outcome.
	Wait(ctx context.Context) (Outcome, error)
	// Stop ends the work gracefully within req.Grace, then forcibly.
	Stop(ctx context.Context, req StopRequest) error
	// Status reports state, health and request metrics.
	Status(ctx context.Context) (Status, error)
	// Logs sends every line from req.From on, then follows new lines until
	// the work has ended and all lines were sent, or ctx ends.
	Logs(ctx context.Context, req LogsRequest, send func(LogLine) error) error
}

// Job runs to completion.
type Job interface{ Workload }

// Service runs until stopped, serving HTTP on its port.
type Service interface{ Workload }

// Container is the OSGi-style runtime: one process hosting many bundles on
// one HTTP port.
type Container interface {
	Workload
	// Bundle applies one lifecycle operation and returns the new state.
	Bundle(ctx context.Context, op BundleOp) (BundleInfo, error)
	// Bundles lists every installed bundle with its state.
	Bundles(ctx context.Context) ([]BundleInfo, error)
}
