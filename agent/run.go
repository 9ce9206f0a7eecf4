package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Config tunes the engine daemon. Zero values pick the documented defaults.
type Config struct {
	// Store holds the identity written by Pair.
	Store Store

	// Version is the engine version reported in the hello.
	Version string

	// DialTimeout bounds one connection attempt and each request on the
	// control stream. Default 10 s.
	DialTimeout time.Duration

	// MinBackoff and MaxBackoff bound the jittered exponential wait between
	// connection attempts. Defaults 500 ms and 30 s.
	MinBackoff time.Duration
	MaxBackoff time.Duration

	// RenewAt is the fraction of the certificate lifetime left when the
	// agent renews it over the live session. Default 1/3.
	RenewAt float64

	// Logger receives the agent's logs. Default slog.Default().
	Logger *slog.Logger
}

// ErrRevoked means the control plane refused this engine's identity: the
// engine was deleted or unpaired. Retrying cannot help; pair again.
var ErrRevoked = errors.New("the control plane refused this engine: it was deleted or unpaired; pair again with a new key")

// Agent is the engine daemon: one session at a time over the server list.
type Agent struct {
	cfg Config

	mu sync.Mutex
	id *Identity
}

// New loads the identity and returns an agent ready to Run.
func New(cfg Config) (*Agent, error) {
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.RenewAt == 0 {
		cfg.RenewAt = 1.0 / 3
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	id, err := cfg.Store.Load()
	if err != nil {
		return nil, err
	}
	return &Agent{cfg: cfg, id: id}, nil
}

func (a *Agent) identity() *Identity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.id
}

// EngineID is the paired engine's ID.
func (a *Agent) EngineID() string { return a.identity().EngineID }

// Run keeps a session up until ctx ends (nil) or the control plane revokes
// the engine (ErrRevoked). Servers are tried in turn with jittered back-off.
func (a *Agent) Run(ctx context.Context) error {
	bo := backoff{min: a.cfg.MinBackoff, max: a.cfg.MaxBackoff}
	for i := 0; ; i++ {
		servers := a.identity().Servers // grows as the control plane tells of more nodes
		server := servers[i%len(servers)]
		established, err := a.session(ctx, server)
		if ctx.Err() != nil {
			a.writeStatus(Status{Server: server})
			return nil
		}
		if errors.Is(err, ErrRevoked) {
			a.writeStatus(Status{Server: server, LastError: err.Error()})
			return fmt.Errorf("engine %s: %w", a.EngineID(), err)
		}
		a.cfg.Logger.Warn("session ended", "server", server, "err", err)
		a.writeStatus(Status{Server: server, LastError: errString(err)})
		if established {
			bo.reset()
		}
		if !sleep(ctx, bo.next()) {
			return nil
		}
	}
}

func (a *Agent) writeStatus(s Status) {
	s.PID = os.Getpid()
	if err := WriteStatus(a.cfg.Store.Dir, s); err != nil {
		a.cfg.Logger.Warn("writing status failed", "err", err)
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
