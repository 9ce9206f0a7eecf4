package deploymentstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/enginesession"
)

// Instance is one service instance the fake engine runs.
type Instance struct {
	DeploymentID string
	TaskID       string
	Version      string
	Status       string
	SubStatus    string
	Healthy      bool
	Port         int
}

// Serving reports whether the instance answers requests.
func (i Instance) Serving() bool { return i.Status == protocol.DeployRunning && i.Healthy }

// Engine is a fake engine. Create it with Pair, then Start it.
type Engine struct {
	ID      string
	Version string // the agent version it says in its hello

	addr  string
	creds *enginesession.Credentials

	mu        sync.Mutex
	instances map[string]*Instance // by deployment ID
	failing   map[string]bool      // versions whose health check fails
	stepDelay time.Duration        // how long downloading, starting and undeploying take
	nextPort  int
	received  []protocol.Message
	onChange  func(engineID string, inst Instance, removed bool)
	link      *enginesession.Session // the live session
	cancel    context.CancelFunc
	done      chan struct{}
	conn      *enginesession.Session // the last session, closed by Stop
	lastErr   error                  // what ended the last session
}

// Pair pairs a new fake engine with a pair key at the control plane's QUIC
// address, retrying while the link is not ready yet.
func Pair(ctx context.Context, addr, key, version string) (*Engine, error) {
	c, err := PairCredentials(ctx, addr, key)
	if err != nil {
		return nil, err
	}
	return &Engine{ID: c.EngineID, Version: version, stepDelay: 20 * time.Millisecond, addr: addr, creds: c,
		instances: map[string]*Instance{}, failing: map[string]bool{}, nextPort: 5060}, nil
}

// PairCredentials pairs with key over QUIC as an agent does (a fresh key
// pair and CSR), retrying while the link is not ready yet.
func PairCredentials(ctx context.Context, addr, key string) (*enginesession.Credentials, error) {
	for {
		c, err := enginesession.Pair(ctx, addr, enginesession.PairRequest{Key: key, Facts: protocol.HostFacts{Hostname: "fake"}, Timeout: 5 * time.Second})
		if err == nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("pair with %s: %w", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// FailHealth makes every later instance of version fail its health check.
func (e *Engine) FailHealth(version string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failing[version] = true
}

// Instances returns a copy of the instances the engine runs.
func (e *Engine) Instances() []Instance {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Instance, 0, len(e.instances))
	for _, i := range e.instances {
		out = append(out, *i)
	}
	return out
}

// Received counts the messages of a type the engine got.
func (e *Engine) Received(t protocol.MessageType) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, m := range e.received {
		if m.MessageType() == t {
			n++
		}
	}
	return n
}

// Start keeps a session up, reconnecting, until Stop.
func (e *Engine) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	e.mu.Lock()
	e.cancel, e.done = cancel, make(chan struct{})
	done := e.done
	e.mu.Unlock()
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := e.session(ctx); err != nil && ctx.Err() == nil {
				e.mu.Lock()
				e.lastErr = err
				e.mu.Unlock()
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}()
}

// LastSessionErr is what ended the engine's last session (nil before one
// ended): a control plane's close arrives as a *quic.ApplicationError.
func (e *Engine) LastSessionErr() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastErr
}

// Stop ends the session at once, as if the engine died: no goodbye, no
// more heartbeats. Its instances stay (the host still runs them).
func (e *Engine) Stop() {
	e.mu.Lock()
	cancel, done, conn := e.cancel, e.done, e.conn
	e.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	if conn != nil {
		conn.Close(0, "")
	}
	<-done
}

// Addr is the control plane's QUIC address the engine dials.
func (e *Engine) Addr() string { return e.addr }

// OnChange sets a func called after every change of an instance.
func (e *Engine) OnChange(fn func(engineID string, inst Instance, removed bool)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onChange = fn
}

// Forget drops every instance without a word, as a host that lost them
// (a reboot) would; the next session's report says so.
func (e *Engine) Forget() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.instances = map[string]*Instance{}
}

// Adopt adds an instance the control plane did not ask for.
func (e *Engine) Adopt(inst Instance) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.instances[inst.DeploymentID] = &inst
}

// SendMetrics sends a deployment's metrics on the live session.
func (e *Engine) SendMetrics(m *protocol.DeploymentMetrics) error {
	e.mu.Lock()
	l := e.link
	e.mu.Unlock()
	if l == nil {
		return errors.New("no live session")
	}
	return l.Send(m)
}

// SendStatus sends a deployment status on the live session (tests of
// stale reports).
func (e *Engine) SendStatus(st *protocol.DeploymentStatus) error {
	e.mu.Lock()
	l := e.link
	e.mu.Unlock()
	if l == nil {
		return errors.New("no live session")
	}
	return l.Send(st)
}

// SetStepDelay sets how long downloading, starting and undeploying take
// (default 20 ms).
func (e *Engine) SetStepDelay(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stepDelay = d
}

func (e *Engine) delay() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stepDelay
}
