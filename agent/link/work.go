package link

import (
	"context"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// Work is what the agent does over a session: the jobs and deployments
// rooms, behind one face, so the link never knows what they are.
type Work interface {
	// Open starts the work of a new session (WorkOpen first, then what
	// must be resent); an error ends the session.
	Open(s *Session) error
	// Close ends the work of a session that ended.
	Close(s *Session)
	// Handle acts on a work message the server pushed.
	Handle(m protocol.Message)
	// Running is the number of workloads running, for the heartbeat.
	Running() int
	// Due returns the messages that ride with the next heartbeat, in the
	// same write.
	Due(now time.Time) []protocol.Message
}

// Current is the session that work is sent on: none between sessions.
// The rooms that outlive sessions hold one and read it when they send.
type Current struct {
	mu sync.Mutex
	s  *Session
	up chan struct{} // closed when a session is set
}

// NewCurrent returns a holder with no session.
func NewCurrent() *Current { return &Current{up: make(chan struct{})} }

// Set makes s the current session.
func (c *Current) Set(s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = s
	select {
	case <-c.up: // already set
	default:
		close(c.up)
	}
}

// Clear drops s if it is still the current session.
func (c *Current) Clear(s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s == s {
		c.s = nil
		c.up = make(chan struct{})
	}
}

// Get is the current session, nil when there is none.
func (c *Current) Get() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}

// Wait returns the current session, waiting for one up to ctx.
func (c *Current) Wait(ctx context.Context) (*Session, error) {
	for {
		c.mu.Lock()
		s, up := c.s, c.up
		c.mu.Unlock()
		if s != nil {
			return s, nil
		}
		select {
		case <-up:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Send writes msgs on the current session, if any: what must arrive is
// resent by its owner at the next session.
func (c *Current) Send(msgs ...protocol.Message) {
	if s := c.Get(); s != nil {
		_ = s.Send(msgs...)
	}
}
