//go:build linux

package runtime

import (
	"strings"
	"sync"

	"github.com/roundhouse/roundhouse/plugins"
)

// logSink collects OnLog lines per workload.
type logSink struct {
	mu    sync.Mutex
	lines map[string][]plugins.LogLine
}

func (l *logSink) add(id string, line plugins.LogLine) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lines == nil {
		l.lines = map[string][]plugins.LogLine{}
	}
	l.lines[id] = append(l.lines[id], line)
}

func (l *logSink) of(id string) []plugins.LogLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]plugins.LogLine(nil), l.lines[id]...)
}

func (l *logSink) contains(id, text string) bool {
	for _, line := range l.of(id) {
		if strings.Contains(line.Text, text) {
			return true
		}
	}
	return false
}
