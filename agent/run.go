package agent

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/agent/artifacts"
	"github.com/roundhouse/roundhouse/agent/datadir"
	"github.com/roundhouse/roundhouse/agent/deploy"
	"github.com/roundhouse/roundhouse/agent/jobs"
	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/runtime"
)

// Config tunes the engine daemon. Zero values pick the documented defaults.
type Config struct {
	// Store holds the identity written by link.Pair.
	Store link.Store

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
	Deployments deploy.Config

	// Logger receives the agent's logs. Default slog.Default().
	Logger *slog.Logger
}

// Agent is the engine daemon: the link to the control plane, and the
// jobs and deployments it runs.
type Agent struct {
	cfg  Config
	link *link.Client

	mu  sync.Mutex
	sup *runtime.Supervisor // set while Run runs
}

// New loads the identity and returns an agent ready to Run.
func New(cfg Config) (*Agent, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Runtime.StateDir == "" {
		cfg.Runtime.StateDir = datadir.RuntimeDir(cfg.Store.Dir) // short: unix socket paths live under it
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
	c, err := link.New(link.Config{Store: cfg.Store, Version: cfg.Version, DialTimeout: cfg.DialTimeout,
		MinBackoff: cfg.MinBackoff, MaxBackoff: cfg.MaxBackoff, RenewAt: cfg.RenewAt, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return &Agent{cfg: cfg, link: c}, nil
}

// EngineID is the paired engine's ID.
func (a *Agent) EngineID() string { return a.link.EngineID() }

// Run keeps a session up until ctx ends (nil) or the control plane revokes
// the engine (link.ErrRevoked), running the jobs and deployments it is
// given. Workloads keep running when Run returns, for the next agent.
func (a *Agent) Run(ctx context.Context) error {
	w, stop, err := a.startWork(ctx)
	if err != nil {
		return err
	}
	defer stop()
	return a.link.Run(ctx, w)
}

// startWork opens the runtime (reattaching to what an earlier agent left
// running), the executor and the deployer; the returned func closes them,
// leaving workloads running for the next agent.
func (a *Agent) startWork(ctx context.Context) (*sessionWork, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	current := link.NewCurrent()
	fetcher := artifacts.NewFetcher(ctx, a.cfg.ArtifactDir, current)
	x, err := jobs.Open(ctx, jobs.Config{Dir: filepath.Join(a.cfg.Store.Dir, "executions"), Fetcher: fetcher, Session: current, Logger: a.cfg.Logger})
	if err != nil {
		cancel()
		return nil, nil, err
	}
	rc := a.cfg.Runtime
	if rc.Logger == nil {
		rc.Logger = a.cfg.Logger
	}
	rc.OnLog = x.OnLog
	rc.LogFrom = x.LogFrom // resume logs after the last line the server acknowledged
	sup, err := runtime.New(rc)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("engine runtime: %w", err)
	}
	x.Start(sup)
	closeJobs := func() {
		cancel()
		_ = sup.Close() // monitors detach; Wait calls return with ctx
		x.Wait()
	}
	d, err := deploy.Start(ctx, a.cfg.Deployments, filepath.Join(a.cfg.Store.Dir, "deployments"), sup, fetcher, current, a.cfg.Logger)
	if err != nil {
		closeJobs()
		return nil, nil, err
	}
	a.mu.Lock()
	a.sup = sup
	a.mu.Unlock()
	return &sessionWork{current: current, jobs: x, deploy: d}, func() {
		cancel()
		d.Wait()
		closeJobs()
	}, nil
}

// sessionWork is the agent's link.Work: the jobs and the deployments over the
// current session.
type sessionWork struct {
	current *link.Current
	jobs    *jobs.Executor
	deploy  *deploy.Deployer
}

// Open says WorkOpen with what the agent holds, makes s the session the
// work is sent on, and resends what the last session may have lost.
func (w *sessionWork) Open(s *link.Session) error {
	if err := s.Send(&protocol.WorkOpen{Running: w.jobs.Running(), Known: w.jobs.Known()}); err != nil {
		return err
	}
	w.current.Set(s)
	w.jobs.SessionStarted(s)
	w.deploy.SessionStarted(s)
	return nil
}

func (w *sessionWork) Close(s *link.Session) { w.current.Clear(s) }

func (w *sessionWork) Handle(m protocol.Message) {
	w.jobs.Handle(m)
	w.deploy.Handle(m)
}

func (w *sessionWork) Running() int { return w.jobs.Running() }

func (w *sessionWork) Due(now time.Time) []protocol.Message {
	if r := w.deploy.ReportDue(now); r != nil {
		return []protocol.Message{r}
	}
	return nil
}
