package enginelink

import (
	"sync"
	"time"

	"github.com/quic-go/quic-go"
)

// session is one live mutual-TLS connection of an engine on this node.
type session struct {
	engineID string
	conn     *quic.Conn
	since    time.Time

	mu     sync.Mutex
	serial string // changes when the certificate is renewed over the session
}

func (s *session) certSerial() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serial
}

func (s *session) setCertSerial(serial string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serial = serial
}

// registry holds the live sessions of this node, one per engine.
type registry struct {
	mu       sync.Mutex
	sessions map[string]*session
}

func newRegistry() *registry { return &registry{sessions: map[string]*session{}} }

// add registers s and returns the session it replaces, if any.
func (r *registry) add(s *session) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.sessions[s.engineID]
	r.sessions[s.engineID] = s
	return old
}

// remove drops s unless a newer session of the same engine replaced it.
func (r *registry) remove(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sessions[s.engineID] == s {
		delete(r.sessions, s.engineID)
	}
}

func (r *registry) get(engineID string) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[engineID]
}

func (r *registry) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sessions)
}

func (r *registry) all() []*session {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*session, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s)
	}
	return out
}
