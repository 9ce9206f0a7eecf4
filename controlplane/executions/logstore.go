package executions

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// LogLine is one log message of an execution, with the real API's names.
type LogLine struct {
	Timestamp time.Time `json:"timestamp"`
	Severity  string    `json:"severity,omitempty"`
	Message   string    `json:"logMessage"`
	// Attempt and Seq place a numbered line (engines number them from 1
	// per attempt): each is stored once however often it is sent.
	Attempt int    `json:"attempt,omitempty"`
	Seq     uint64 `json:"seq,omitempty"`
}

// TruncatedSuffix ends a message cut at the per-message limit.
const TruncatedSuffix = " [truncated]"

// LogStore keeps this node's execution logs: one append-only file of JSON
// lines per execution, <dir>/<executionID>.ndjson, bounded in size.
type LogStore struct {
	dir      string
	maxBytes int64
	maxMsg   int

	mu       sync.Mutex
	watchers map[string]chan struct{} // closed on the next append; only while someone follows
	stored   map[attemptKey]uint64    // highest Seq stored per attempt (a cache: the file has it)
}

type attemptKey struct {
	id      string
	attempt int
}

// maxStoredSeqs bounds the Seq cache; past it the cache starts over and
// is refilled from the files on demand.
const maxStoredSeqs = 4096

// OpenLogStore creates dir if needed.
func OpenLogStore(dir string, maxBytes int64, maxMsg int) (*LogStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("execution log dir %s: %w", dir, err)
	}
	return &LogStore{dir: dir, maxBytes: maxBytes, maxMsg: maxMsg, watchers: map[string]chan struct{}{},
		stored: map[attemptKey]uint64{}}, nil
}

func (l *LogStore) path(id string) (string, error) {
	if !state.IsUUID(id) {
		return "", fmt.Errorf("execution id %q: want a UUID", id)
	}
	return filepath.Join(l.dir, id+".ndjson"), nil
}

// Append writes lines, truncating long messages; once the file reaches
// its bound one notice is written and later lines are dropped. It reports
// whether this call created the file (the node's first lines for it).
func (l *LogStore) Append(id string, lines []LogLine) (created bool, err error) {
	p, err := l.path(id)
	if err != nil {
		return false, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600) // read too: see unseen
	if err != nil {
		return false, fmt.Errorf("open log of %s: %w", id, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	size := fi.Size()
	lines = l.unseen(id, f, size, lines)
	var buf []byte
	for _, line := range lines {
		line.Message = l.truncate(line.Message)
		b, _ := json.Marshal(line)
		b = append(b, '\n')
		if size+int64(len(buf)+len(b)) > l.maxBytes {
			if size+int64(len(buf)) <= l.maxBytes {
				notice, _ := json.Marshal(LogLine{Timestamp: line.Timestamp, Severity: "WARN",
					Message: fmt.Sprintf("log limit of %d bytes reached on this control-plane node; later lines are dropped", l.maxBytes)})
				buf = append(append(buf, notice...), '\n')
			}
			break
		}
		buf = append(buf, b...)
	}
	if len(buf) > 0 {
		if _, err := f.Write(buf); err != nil {
			return false, fmt.Errorf("append log of %s: %w", id, err)
		}
	}
	for _, line := range lines { // stored, or dropped over the bound for good
		if k := (attemptKey{id, line.Attempt}); line.Seq > l.stored[k] {
			l.stored[k] = line.Seq
		}
	}
	if ch, ok := l.watchers[id]; ok {
		close(ch)
		delete(l.watchers, id)
	}
	return size == 0, nil
}

func (l *LogStore) truncate(msg string) string {
	if len(msg) <= l.maxMsg {
		return msg
	}
	cut := l.maxMsg
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + TruncatedSuffix
}

// Open opens an execution's log for reading; os.ErrNotExist when this node
// has none.
func (l *LogStore) Open(id string) (*os.File, error) {
	p, err := l.path(id)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Watch returns a channel closed at the execution's next append.
func (l *LogStore) Watch(id string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.watchers[id]
	if !ok {
		ch = make(chan struct{})
		l.watchers[id] = ch
	}
	return ch
}

// Prune deletes log files last written before cutoff.
func (l *LogStore) Prune(cutoff time.Time) (int, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".ndjson") {
			continue
		}
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(l.dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
