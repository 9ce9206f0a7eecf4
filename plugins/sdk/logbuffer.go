package sdk

import (
	"context"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// DefaultLogLines is how many lines a LogBuffer keeps for a host that
// reconnects late; older lines are dropped first.
const DefaultLogLines = 10_000

// LogBuffer numbers and keeps log lines and lets any number of readers
// follow them. The zero value is not usable; call NewLogBuffer.
type LogBuffer struct {
	mu     sync.Mutex
	lines  []plugins.LogLine
	next   uint64
	max    int
	closed bool
	wake   chan struct{} // closed and replaced on every change
}

// NewLogBuffer keeps at most max lines (DefaultLogLines when max <= 0).
func NewLogBuffer(max int) *LogBuffer {
	if max <= 0 {
		max = DefaultLogLines
	}
	return &LogBuffer{max: max, wake: make(chan struct{})}
}

// Append adds one line, cutting it to plugins.MaxLogMessage bytes.
func (b *LogBuffer) Append(stream, text string, truncated bool) {
	if len(text) > plugins.MaxLogMessage {
		text, truncated = text[:plugins.MaxLogMessage], true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.lines = append(b.lines, plugins.LogLine{Seq: b.next, Time: time.Now().UTC(), Stream: stream, Text: text, Truncated: truncated})
	b.next++
	if len(b.lines) > b.max {
		b.lines = append(b.lines[:0:0], b.lines[len(b.lines)-b.max:]...)
	}
	b.broadcast()
}

// Close marks the end: readers return once they have sent every line.
func (b *LogBuffer) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		b.broadcast()
	}
}

func (b *LogBuffer) broadcast() {
	close(b.wake)
	b.wake = make(chan struct{})
}

// Follow sends lines from seq `from` on, then new ones as they come, until
// the buffer is closed and drained or ctx ends.
func (b *LogBuffer) Follow(ctx context.Context, from uint64, send func(plugins.LogLine) error) error {
	for {
		b.mu.Lock()
		var batch []plugins.LogLine
		for _, l := range b.lines {
			if l.Seq >= from {
				batch = append(batch, l)
			}
		}
		closed, wake := b.closed, b.wake
		b.mu.Unlock()
		for _, l := range batch {
			if err := send(l); err != nil {
				return err
			}
			from = l.Seq + 1
		}
		if len(batch) > 0 {
			continue
		}
		if closed {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
