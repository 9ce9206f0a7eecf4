package jobs

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/protocol"
)

// maxBufferedLogBytes bounds the lines kept per execution until the
// server acknowledges them; older lines are dropped beyond it.
const maxBufferedLogBytes = 1 << 20

// logShipper batches workload log lines per execution and sends them on
// the current work stream: at once when a batch is full, else on flush
// (every 100 ms, before a final status, at session start). Lines are
// numbered (the workload's Seq + 1) and kept until the server
// acknowledges them (LogAck): a new session resends what is not
// acknowledged, the server stores each number once, and the ledger keeps
// the acknowledged number so a restarted agent resumes the workload's log
// right after it.
type logShipper struct {
	session func() *link.Session
	lookup  func(workload string) (attemptRef, bool)

	sendMu sync.Mutex // one flush at a time: lines leave in order
	mu     sync.Mutex
	bufs   map[string]*logBuf // by execution ID
}

type logBuf struct {
	attempt int
	lastSeq uint64
	seen    bool
	lines   []protocol.LogLine // not yet acknowledged, oldest first
	bytes   int                // of lines
	sent    int                // lines[:sent] went out on the current link
	unsent  int                // bytes of lines[sent:]
}

func newLogShipper(session func() *link.Session, lookup func(string) (attemptRef, bool)) *logShipper {
	return &logShipper{session: session, lookup: lookup, bufs: map[string]*logBuf{}}
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
	b.lines = append(b.lines, protocol.LogLine{Time: l.Time, Severity: sev, Message: l.Text, Seq: l.Seq + 1})
	size := len(l.Text) + 64
	b.bytes += size
	b.unsent += size
	for b.bytes > maxBufferedLogBytes && len(b.lines) > 1 {
		b.dropFirst()
	}
	full := b.unsent >= protocol.MaxLogBatchBytes/2
	s.mu.Unlock()
	if full {
		s.flush(execID)
	}
}

// dropFirst forgets the oldest line (acknowledged, or over the bound).
func (b *logBuf) dropFirst() {
	size := len(b.lines[0].Message) + 64
	b.bytes -= size
	if b.sent > 0 {
		b.sent--
	} else {
		b.unsent -= size
	}
	b.lines = b.lines[1:]
}

// flush sends the lines of one execution not yet sent on this link.
func (s *logShipper) flush(execID string) {
	sess := s.session()
	if sess == nil {
		return
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	b := s.bufs[execID]
	if b == nil || b.sent == len(b.lines) {
		s.mu.Unlock()
		return
	}
	lines, attempt := b.lines[b.sent:], b.attempt
	b.sent, b.unsent = len(b.lines), 0
	s.mu.Unlock()
	for len(lines) > 0 {
		n, size := 0, 0
		for n < len(lines) && (n == 0 || size+len(lines[n].Message) < protocol.MaxLogBatchBytes) {
			size += len(lines[n].Message)
			n++
		}
		if err := sendBatch(sess, execID, attempt, lines[:n]); err != nil {
			return // the next session resends them
		}
		lines = lines[n:]
	}
}

// acked drops the lines the server acknowledged.
func (s *logShipper) acked(execID string, attempt int, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bufs[execID]
	if b == nil || b.attempt != attempt {
		return
	}
	for len(b.lines) > 0 && b.lines[0].Seq <= seq {
		b.dropFirst()
	}
}

// rewind marks every unacknowledged line unsent, for a new session.
func (s *logShipper) rewind() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bufs {
		b.sent, b.unsent = 0, b.bytes
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
func sendBatch(s *link.Session, execID string, attempt int, lines []protocol.LogLine) error {
	err := s.Send(&protocol.LogBatch{ExecutionID: execID, Attempt: attempt, Lines: lines})
	if !errors.Is(err, protocol.ErrFrameTooLarge) {
		return err
	}
	if len(lines) > 1 {
		half := len(lines) / 2
		if err := sendBatch(s, execID, attempt, lines[:half]); err != nil {
			return err
		}
		return sendBatch(s, execID, attempt, lines[half:])
	}
	cut := lines[0]
	cut.Message = strings.ToValidUTF8(cut.Message[:min(len(cut.Message), protocol.MaxFrameSize/8)], "") + " [truncated]"
	return s.Send(&protocol.LogBatch{ExecutionID: execID, Attempt: attempt, Lines: []protocol.LogLine{cut}})
}
