package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

// Config tunes the engine daemon. Zero values pick the documented defaults.
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

	// Runtime configures the supervisor that runs workloads. Its StateDir
	// defaults to <Store.Dir>/rt (a short temp dir when that is too long
	// for unix sockets) and its plugin command to this
	// executable's own `plugin NAME` (roundhouse-engine serves it); OnLog
	// and Logger are the agent's.
	Runtime runtime.Config

	// ArtifactDir is the artifact cache (archives and unpacked trees by
	// digest). Default <Store.Dir>/artifacts.
	ArtifactDir string

	// Deployments tunes running routes and data services (health checks,
	// report and metrics intervals).
	Deployments DeploymentConfig

	// Logger receives the agent's logs. Default slog.Default().
	Logger *slog.Logger
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

// Agent is the engine daemon: one session at a time over the server list.
type Agent struct {
	cfg Config

	mu sync.Mutex
	id *Identity

	exec   *executor // set while Run runs
	deploy *deployer // set while Run runs
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
	if cfg.Runtime.StateDir == "" {
		cfg.Runtime.StateDir = runtimeDir(cfg.Store.Dir) // short: unix socket paths live under it
	}
	if cfg.Runtime.WarmPlugins == 0 {
		// One warm plugin per job slot: every job starts with one RPC.
		cfg.Runtime.WarmPlugins = max(cfg.Runtime.MaxConcurrentJobs, 3)
	}
	if cfg.ArtifactDir == "" {
		cfg.ArtifactDir = filepath.Join(cfg.Store.Dir, "artifacts")
	}
	// Workloads run in their own working directories: a relative data dir
	// (the default ./roundhouse-engine-data) must not leak into their paths.
	abs, err := filepath.Abs(cfg.ArtifactDir)
	if err != nil {
		return nil, fmt.Errorf("artifact dir %s: %w", cfg.ArtifactDir, err)
	}
	cfg.ArtifactDir = abs
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
// the engine (ErrRevoked). Servers are tried in turn with jittered back-off,
// also while the control plane refuses this version (ErrUnsupportedVersion).
func (a *Agent) Run(ctx context.Context) error {
	stop, err := a.startExecutor(ctx)
	if err != nil {
		return err
	}
	defer stop()
	stopDeploy, err := a.startDeployer(ctx)
	if err != nil {
		return err
	}
	defer stopDeploy()
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
		if errors.Is(err, ErrUnsupportedVersion) {
			a.cfg.Logger.Error("the control plane no longer supports this roundhouse-engine version: upgrade roundhouse-engine on this host and restart it",
				"version", a.cfg.Version, "server", server, "err", err)
		} else {
			a.cfg.Logger.Warn("session ended", "server", server, "err", err)
		}
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

// startExecutor opens the runtime (reattaching to what an earlier agent
// left running) and the executor; the returned func closes both, leaving
// workloads running for the next agent.
func (a *Agent) startExecutor(ctx context.Context) (func(), error) {
	rc := a.cfg.Runtime
	if rc.Logger == nil {
		rc.Logger = a.cfg.Logger
	}
	ctx, cancel := context.WithCancel(ctx)
	var x *executor
	rc.OnLog = func(id string, l plugins.LogLine) { x.logs.add(id, l) }
	l, err := openLedger(filepath.Join(a.cfg.Store.Dir, "executions"))
	if err != nil {
		cancel()
		return nil, err
	}
	rc.LogFrom = l.logFrom // resume logs after the last line the server acknowledged
	x = newExecutor(ctx, nil, artifact.Cache{Dir: a.cfg.ArtifactDir}, l, a.cfg.Logger)
	sup, err := runtime.New(rc)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("engine runtime: %w", err)
	}
	x.sup = sup
	x.resume()
	a.mu.Lock()
	a.exec = x
	a.mu.Unlock()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { x.logs.run(done) })
	return func() {
		cancel()
		_ = sup.Close() // monitors detach; Wait calls return with ctx
		x.wait()
		close(done)
		wg.Wait()
	}, nil
}
