package link

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Config tunes the link. Zero values pick the documented defaults.
type Config struct {
	// Store holds the identity written by Pair.
	Store Store

	// Version is the engine version reported in the hello.
	Version string

	// DialTimeout bounds one connection attempt and each request of the
	// session (hello, renewal; a heartbeat's ack waits at most one
	// interval). Default 10 s.
	DialTimeout time.Duration

	// MinBackoff and MaxBackoff bound the jittered exponential wait between
	// connection attempts. Defaults 500 ms and 30 s.
	MinBackoff time.Duration
	MaxBackoff time.Duration

	// RenewAt is the fraction of the certificate lifetime left when the
	// agent renews it over the live session. Default 1/3.
	RenewAt float64

	// Logger receives the link's logs. Default slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.DialTimeout == 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.RenewAt == 0 {
		c.RenewAt = 1.0 / 3
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// ErrRevoked means the control plane refused this engine's identity: the
// engine was deleted or unpaired. Retrying cannot help; pair again.
var ErrRevoked = errors.New("the control plane refused this engine: it was deleted or unpaired; pair again with a new key")

// ErrUnsupportedVersion means the control plane no longer serves this
// agent (its version is below the control plane's minimum, or it speaks
// a retired session protocol): the engine shows RETIRED. Run keeps
// retrying with its back-off, so an upgraded binary (restarted by systemd)
// or a lowered minimum brings the engine back.
var ErrUnsupportedVersion = errors.New("engine RETIRED: upgrade roundhouse-engine on this host and restart it (retrying meanwhile)")

// Client keeps one session at a time over the identity's server list.
type Client struct {
	cfg Config

	mu sync.Mutex
	id *Identity
}

// New loads the identity and returns a client ready to Run.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	id, err := cfg.Store.Load()
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, id: id}, nil
}

func (c *Client) identity() *Identity {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id
}

func (c *Client) setIdentity(id *Identity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.id = id
}

// EngineID is the paired engine's ID.
func (c *Client) EngineID() string { return c.identity().EngineID }

// Run keeps a session up, giving each one to work, until ctx ends (nil)
// or the control plane revokes the engine (ErrRevoked). Servers are tried
// in turn with jittered back-off, also while the control plane refuses
// this version (ErrUnsupportedVersion).
func (c *Client) Run(ctx context.Context, work Work) error {
	bo := backoff{min: c.cfg.MinBackoff, max: c.cfg.MaxBackoff}
	for i := 0; ; i++ {
		servers := c.identity().Servers // grows as the control plane tells of more nodes
		server := servers[i%len(servers)]
		established, err := c.session(ctx, server, work)
		if ctx.Err() != nil {
			c.writeStatus(Status{Server: server})
			return nil
		}
		if errors.Is(err, ErrRevoked) {
			c.writeStatus(Status{Server: server, LastError: err.Error()})
			return fmt.Errorf("engine %s: %w", c.EngineID(), err)
		}
		if errors.Is(err, ErrUnsupportedVersion) {
			c.cfg.Logger.Error("the control plane no longer supports this roundhouse-engine version: upgrade roundhouse-engine on this host and restart it",
				"version", c.cfg.Version, "server", server, "err", err)
		} else {
			c.cfg.Logger.Warn("session ended", "server", server, "err", err)
		}
		c.writeStatus(Status{Server: server, LastError: errString(err)})
		if established {
			bo.reset()
		}
		if !Sleep(ctx, bo.next()) {
			return nil
		}
	}
}

func (c *Client) writeStatus(s Status) {
	s.PID = os.Getpid()
	if err := WriteStatus(c.cfg.Store.Dir, s); err != nil {
		c.cfg.Logger.Warn("writing status failed", "err", err)
	}
}

// Sleep waits d; false when ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
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
