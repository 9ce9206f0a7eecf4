package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// Handle is a started (or reattached) workload.
type Handle struct{ w *workload }

// ID is the workload's id.
func (h *Handle) ID() string { return h.w.id }

// Info is the workload's current state.
func (h *Handle) Info() Info { return h.w.info() }

// Wait blocks until the workload has ended and returns its result; it
// returns the same result every time.
func (h *Handle) Wait(ctx context.Context) (Result, error) { return h.w.wait(ctx) }

// Done is closed when the workload has ended.
func (h *Handle) Done() <-chan struct{} { return h.w.done }

// Status asks the plugin for state, health and request metrics.
func (h *Handle) Status(ctx context.Context) (plugins.Status, error) {
	rpc, err := h.running()
	if err != nil {
		return plugins.Status{State: StateExited}, nil
	}
	return rpc.Status(ctx)
}

// WaitHealthy polls Status until the workload reports healthy, it ends,
// or ctx ends.
func (h *Handle) WaitHealthy(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		st, err := h.Status(ctx)
		if err == nil && st.Healthy {
			return nil
		}
		select {
		case <-h.w.done:
			return fmt.Errorf("workload %s ended before it was healthy", h.w.id)
		case <-ctx.Done():
			return fmt.Errorf("workload %s not healthy: %w (last: %v %s)", h.w.id, ctx.Err(), err, st.Detail)
		case <-t.C:
		}
	}
}

// Container returns the runtime container's bundle API.
func (h *Handle) Container() (plugins.Container, error) {
	if h.w.kind != KindContainer {
		return nil, fmt.Errorf("workload %s is a %s, not the runtime container", h.w.id, h.w.kind)
	}
	return h.running()
}

func (h *Handle) running() (*plugins.Client, error) {
	h.w.mu.Lock()
	defer h.w.mu.Unlock()
	if h.w.state == StateExited || h.w.rpc == nil {
		return nil, fmt.Errorf("workload %s: %w", h.w.id, errNotRunning)
	}
	return h.w.rpc, nil
}
