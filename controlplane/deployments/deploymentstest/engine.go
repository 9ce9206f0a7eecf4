package deploymentstest

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
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
	cert  tls.Certificate
	roots *x509.CertPool

	mu        sync.Mutex
	instances map[string]*Instance // by deployment ID
	failing   map[string]bool      // versions whose health check fails
	stepDelay time.Duration        // how long downloading, starting and undeploying take
	nextPort  int
	received  []protocol.Message
	onChange  func(engineID string, inst Instance, removed bool)
	link      *link // the live session's work stream
	cancel    context.CancelFunc
	done      chan struct{}
	conn      *quic.Conn
	lastErr   error // what ended the last session
}

// Pair pairs a new fake engine with a pair key at the control plane's QUIC
// address, retrying while the link is not ready yet.
func Pair(ctx context.Context, addr, key, version string) (*Engine, error) {
	c, err := PairCredentials(ctx, addr, key)
	if err != nil {
		return nil, err
	}
	return &Engine{ID: c.EngineID, Version: version, stepDelay: 20 * time.Millisecond, addr: addr, roots: c.Roots, cert: c.Cert,
		instances: map[string]*Instance{}, failing: map[string]bool{}, nextPort: 5060}, nil
}

// Credentials are what pairing gives an engine: its ID, its client
// certificate and the cluster CA to verify nodes with.
type Credentials struct {
	EngineID string
	Cert     tls.Certificate
	Roots    *x509.CertPool
}

// PairCredentials pairs with key over QUIC as an agent does (a fresh key
// pair and CSR), retrying while the link is not ready yet.
func PairCredentials(ctx context.Context, addr, key string) (*Credentials, error) {
	pk, err := protocol.ParsePairKey(key)
	if err != nil {
		return nil, err
	}
	for {
		c, err := pair(ctx, addr, key, pk)
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

func pair(ctx context.Context, addr, key string, pk protocol.PairKey) (*Credentials, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS13, NextProtos: []string{protocol.ALPNPair}, InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error { // the pair key names the CA
			for _, c := range cs.PeerCertificates[1:] {
				if sha256.Sum256(c.Raw) == pk.CA {
					return nil
				}
			}
			return errors.New("CA mismatch")
		}}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(dctx, addr, conf, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.CloseWithError(0, "") }()
	priv, err := protocol.NewEngineKey()
	if err != nil {
		return nil, err
	}
	csr, _ := protocol.NewCSR(priv, "fake")
	str, err := conn.OpenStreamSync(dctx)
	if err != nil {
		return nil, err
	}
	if err := protocol.WriteMessage(str, &protocol.PairRequest{Key: key, CSR: csr}); err != nil {
		return nil, err
	}
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return nil, err
	}
	r, ok := m.(*protocol.PairResponse)
	if !ok {
		return nil, fmt.Errorf("pairing refused: %+v", m)
	}
	ca, err := x509.ParseCertificate(r.CACertificate)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return &Credentials{EngineID: r.EngineID, Roots: roots,
		Cert: tls.Certificate{Certificate: [][]byte{r.Certificate}, PrivateKey: priv}}, nil
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
		_ = conn.CloseWithError(0, "")
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
	l.send(m)
	return nil
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
	l.send(st)
	return nil
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
