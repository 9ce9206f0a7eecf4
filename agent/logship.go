package agent

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/protocol"
)

// maxBufferedLogBytes bounds the lines kept per execution while no
// session is up; older lines are dropped beyond it.
const maxBufferedLogBytes = 1 << 20

// logShipper batches workload log lines per execution and sends them on
// the current work stream: at once when a batch is full, else on flush
// (every 100 ms, before a final status, at session start).
type logShipper struct {
	link   func() *workLink
	lookup func(workload string) (attemptRef, bool)

	mu   sync.Mutex
	bufs map[string]*logBuf // by execution ID
}

type logBuf struct {
	attempt int
	lastSeq uint64
	seen    bool
	bytes   int
	lines   []protocol.LogLine
}

func newLogShipper(link func() *workLink, lookup func(string) (attemptRef, bool)) *logShipper {
	return &logShipper{link: link, lookup: lookup, bufs: map[string]*logBuf{}}
}

// add takes one line of a workload (runtime's OnLog). Lines repeated
// after a reattach (same or lower Seq) are dropped.
func (s *logShipper) add(workload string, l plugins.LogLine) {
	ref, ok := s.lookup(workload)
	if !ok {
		return
	}
	execID, attempt := ref.ExecutionID, ref.Attempt
	sev := "INFO"
	if l.Stream == "stderr" {
		sev = "ERROR"
	}
	s.mu.Lock()
	b := s.bufs[execID]
	if b == nil {
		b = &logBuf{attempt: attempt}
		s.bufs[execID] = b
	}
	if b.seen && l.Seq <= b.lastSeq {
		s.mu.Unlock()
		return
	}
	b.seen, b.lastSeq = true, l.Seq
	b.lines = append(b.lines, protocol.LogLine{Time: l.Time, Severity: sev, Message: l.Text})
	b.bytes += len(l.Text) + 64
	for b.bytes > maxBufferedLogBytes && len(b.lines) > 1 {
		b.bytes -= len(b.lines[0].Message) + 64
		b.lines = b.lines[1:]
	}
	full := b.bytes >= protocol.MaxLogBatchBytes/2
	s.mu.Unlock()
	if full {
		s.flush(execID)
	}
}

// flush sends the buffered lines of one execution, if a session is up.
func (s *logShipper) flush(execID string) {
	link := s.link()
	if link == nil {
		return
	}
	s.mu.Lock()
	b := s.bufs[execID]
	if b == nil || len(b.lines) == 0 {
		s.mu.Unlock()
		return
	}
	lines, attempt := b.lines, b.attempt
	b.lines, b.bytes = nil, 0
	s.mu.Unlock()
	for len(lines) > 0 {
		n, size := 0, 0
		for n < len(lines) && (n == 0 || size+len(lines[n].Message) < protocol.MaxLogBatchBytes) {
			size += len(lines[n].Message)
			n++
		}
		if err := sendBatch(link, execID, attempt, lines[:n]); err != nil {
			return
		}
		lines = lines[n:]
	}
}

// forget drops the buffer of a finished execution.
func (s *logShipper) forget(execID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.bufs, execID)
}

func (s *logShipper) flushAll() {
	s.mu.Lock()
	ids := make([]string, 0, len(s.bufs))
	for id := range s.bufs {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.flush(id)
	}
}

// run flushes every 100 ms until done is closed.
func (s *logShipper) run(done <-chan struct{}) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			s.flushAll()
		}
	}
}

// sendBatch sends lines, halving a batch whose encoding exceeds the frame
// cap (escaped binary output grows up to six times) and cutting a single
// line that still does: such output loses its tail, never the session.
func sendBatch(link *workLink, execID string, attempt int, lines []protocol.LogLine) error {
	err := link.send(&protocol.LogBatch{ExecutionID: execID, Attempt: attempt, Lines: lines})
	if !errors.Is(err, protocol.ErrFrameTooLarge) {
		return err
	}
	if len(lines) > 1 {
		half := len(lines) / 2
		if err := sendBatch(link, execID, attempt, lines[:half]); err != nil {
			return err
		}
		return sendBatch(link, execID, attempt, lines[half:])
	}
	cut := lines[0]
	cut.Message = strings.ToValidUTF8(cut.Message[:min(len(cut.Message), protocol.MaxFrameSize/8)], "") + " [truncated]"
	return link.send(&protocol.LogBatch{ExecutionID: execID, Attempt: attempt, Lines: []protocol.LogLine{cut}})
}
