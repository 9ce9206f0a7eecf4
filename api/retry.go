package api

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// RetryPolicy says how idempotent calls (GET, HEAD, PUT, DELETE) ride out
// a leader election or a restarting node: they are sent again after a 503
// answer or a failed connection, waiting First, then twice as long each
// time up to Max, at most Attempts times in all. Calls that create (POST)
// or patch are never sent twice: the first may have been applied.
type RetryPolicy struct {
	Attempts   int
	First, Max time.Duration
}

// DefaultRetry rides out an election of a few seconds.
func DefaultRetry() RetryPolicy {
	return RetryPolicy{Attempts: 8, First: 100 * time.Millisecond, Max: 2 * time.Second}
}

// NoRetry sends every call once.
func NoRetry() RetryPolicy { return RetryPolicy{Attempts: 1} }

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retries reports whether attempt (0-based), which failed with err, is
// sent again.
func (p RetryPolicy) retries(method string, attempt int, err error) bool {
	if attempt+1 >= p.Attempts || !idempotent(method) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode == http.StatusServiceUnavailable
	}
	return true // no answer: connection refused or reset
}

// wait sleeps before the next attempt, or returns ctx's error.
func (p RetryPolicy) wait(ctx context.Context, attempt int) error {
	d := p.First
	for i := 0; i < attempt && d < p.Max; i++ {
		d *= 2
	}
	if d > p.Max {
		d = p.Max
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
