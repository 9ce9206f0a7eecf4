package sdk

import (
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// meterSpan is the longest window reported (15 minutes), in seconds.
const meterSpan = 15 * 60

// RequestMeter counts requests in one-second buckets over 15 minutes.
type RequestMeter struct {
	mu      sync.Mutex
	buckets [meterSpan]int64
	stamps  [meterSpan]int64 // unix second each bucket counts
	total   int64
	errors  int64
	timed   int64 // requests counted with a process time
	sum     time.Duration
	last    time.Duration
}

// Observe counts one request that ended at now after took; failed marks
// it as an error too.
func (m *RequestMeter) Observe(now time.Time, took time.Duration, failed bool) {
	m.mu.Lock()
	m.timed++
	m.sum += took
	m.last = took
	m.mu.Unlock()
	m.Mark(now, failed)
}

// Mark counts one request at now, without a process time; failed marks
// it as an error too.
func (m *RequestMeter) Mark(now time.Time, failed bool) {
	sec := now.Unix()
	i := sec % meterSpan
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stamps[i] != sec {
		m.stamps[i], m.buckets[i] = sec, 0
	}
	m.buckets[i]++
	m.total++
	if failed {
		m.errors++
	}
}

// Snapshot sums the windows ending at now.
func (m *RequestMeter) Snapshot(now time.Time) plugins.Metrics {
	sec := now.Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := plugins.Metrics{Total: m.total, Errors: m.errors, LastMillis: m.last.Milliseconds()}
	if m.timed > 0 {
		out.MeanMillis = (m.sum / time.Duration(m.timed)).Milliseconds()
	}
	for i := range m.buckets {
		age := sec - m.stamps[i]
		if age < 0 || age >= meterSpan {
			continue
		}
		n := m.buckets[i]
		out.Last15Minutes += n
		if age < 5*60 {
			out.Last5Minutes += n
		}
		if age < 60 {
			out.LastMinute += n
		}
	}
	return out
}
