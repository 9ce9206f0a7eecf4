package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/artifacts"
	"github.com/roundhouse/roundhouse/controlplane/audit"
	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/console"
	"github.com/roundhouse/roundhouse/controlplane/deployments"
	"github.com/roundhouse/roundhouse/controlplane/engines"
	"github.com/roundhouse/roundhouse/controlplane/environments"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/identity"
	"github.com/roundhouse/roundhouse/controlplane/ipallowlist"
	"github.com/roundhouse/roundhouse/controlplane/membership"
	"github.com/roundhouse/roundhouse/controlplane/notifications"
	"github.com/roundhouse/roundhouse/controlplane/plans"
	"github.com/roundhouse/roundhouse/controlplane/schedulefire"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/controlplane/tasks"
	"github.com/roundhouse/roundhouse/controlplane/wspermissions"
)

// Server is one running control-plane node.
type Server struct {
	cfg      Config
	node     *cluster.Node
	router   *api.Router
	registry *prometheus.Registry
	http     *http.Server
	ln       net.Listener
	udp      net.PacketConn // the engine link's socket, bound by New
	repo     *artifacts.Service
	execs    *executions.Service
	sched    *schedulefire.Service
	link     *engines.Link
}

// New prepares a node: it claims the data dir, opens the replicated state
// and builds the API. Nothing is served until Run.
func New(cfg Config) (*Server, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tuneGC(cfg)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	id, err := nodeID(cfg.DataDir, cfg.NodeID)
	if err != nil {
		return nil, err
	}
	ln, udp, err := listen(cfg)
	if err != nil {
		return nil, err
	}
	closeListeners := func() { ln.Close(); udp.Close() }
	rc := cfg.Raft
	rc.DataDir, rc.NodeID, rc.RaftAddr, rc.APIAddr, rc.Logger = filepath.Join(cfg.DataDir, "raft"), id, cfg.RaftAddr, ln.Addr().String(), cfg.Logger
	node, err := cluster.Open(rc, state.Spec())
	if err != nil {
		closeListeners()
		return nil, fmt.Errorf("raft on %s: %w", cfg.RaftAddr, err)
	}
	if cfg.Join != "" && cfg.JoinToken == "" && !node.HasState() {
		node.Shutdown()
		closeListeners()
		return nil, errJoinNeedsToken
	}
	s := &Server{cfg: cfg, node: node, ln: ln, udp: udp, registry: prometheus.NewRegistry()}
	if err := s.openJobs(); err != nil {
		node.Shutdown()
		closeListeners()
		return nil, err
	}
	// After the jobs: engine sessions run executions and serve artifacts.
	if err := s.newEngineLink(); err != nil {
		node.Shutdown()
		closeListeners()
		return nil, err
	}
	if err := s.routes(); err != nil {
		node.Shutdown()
		closeListeners()
		return nil, err
	}
	return s, nil
}

// withConsole serves the web console's paths (and "/") from web and
// everything else from the API.
func withConsole(web, apiHandler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if console.Serves(r.URL.Path) {
			web.ServeHTTP(w, r)
			return
		}
		apiHandler.ServeHTTP(w, r)
	})
}

// listen binds the API (TCP) and engine link (UDP) addresses, so that a
// node whose configured ports are taken stops before it serves anything.
func listen(cfg Config) (net.Listener, net.PacketConn, error) {
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen for HTTP (--http-addr) on %s: %w", cfg.HTTPAddr, err)
	}
	udp, err := net.ListenPacket("udp", cfg.QUICAddr)
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("listen for engines (--quic-addr, UDP) on %s: %w", cfg.QUICAddr, err)
	}
	return ln, udp, nil
}

func (s *Server) routes() error {
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "roundhouse_raft_leader", Help: "1 if this node is the raft leader.",
	}, func() float64 {
		if s.node.IsLeader() {
			return 1
		}
		return 0
	}))
	s.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "roundhouse_raft_applied_index", Help: "Last raft index applied to the local state.",
	}, func() float64 { return float64(s.node.AppliedIndex()) }))
	s.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "roundhouse_executions_unfinished", Help: "Executions queued or running, in this node's replica.",
	}, func() float64 { return float64(len(state.ActiveExecutions(s.node.Read()))) }))
	metrics := api.NewMetrics(s.registry)

	auth := authn.New(s.node.Read)
	rt := api.NewRouter(auth, identity.UsageGate(s.node))
	rt.GuardAddresses(ipallowlist.Gate(s.node.Read))
	rt.Handle("GET", "/health", s.health)
	rt.Handle("GET", "/ready", s.ready)
	promHandler := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
	rt.Handle("GET", "/metrics", func(w http.ResponseWriter, r *http.Request, _ httprouterParams) error {
		promHandler.ServeHTTP(w, r)
		return nil
	})
	environments.Register(rt, s.node)
	identity.Register(rt, s.node, identity.Options{AccessTokenTTL: s.cfg.AccessTokenTTL, VerifyPassword: s.cfg.VerifyPassword, License: identity.License{
		Seats: s.cfg.LicenseSeats, EngineTokens: s.cfg.LicenseEngineTokens, ServiceAccounts: s.cfg.LicenseServiceAccounts}})
	wspermissions.Register(rt, s.node)
	ipallowlist.Register(rt, s.node)
	audit.Register(rt, s.node)
	membership.Register(rt, s.node)
	s.repo.Register(rt)
	s.execs.Register(rt)
	tasks.Register(rt, s.node, s.execs)
	deployments.Register(rt, s.node, s.cfg.Deployments)
	s.sched.Register(rt)
	plans.Register(rt, s.node, s.runLimits)
	notifications.Register(rt, s.node, s.cfg.Mail.Configured())
	engines.Register(rt, s.node, s.link, engines.Options{EngineTokens: s.cfg.LicenseEngineTokens, Mail: s.cfg.Mail.Configured()})
	rt.Mount(cluster.PeerPathPrefix, s.node.PeerHandler())
	s.router = rt
	apiHandler := catchUpGate(s.node, plans.Rewrite(rt))
	web, err := console.New(console.Options{API: apiHandler, Auth: auth, EngineServers: s.cfg.QUICAddr, Logger: s.cfg.Logger})
	if err != nil {
		return err
	}
	s.http = &http.Server{
		Handler:           api.TrustProxies(api.Wrap(withConsole(web, apiHandler), s.cfg.Logger, metrics), s.cfg.TrustedProxies),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	return nil
}

// openJobs opens the artifact repository and the execution service under
// the data dir.
func (s *Server) openJobs() error {
	repo, err := artifacts.New(artifacts.Config{Dir: filepath.Join(s.cfg.DataDir, "artifacts"), Logger: s.cfg.Logger}, s.node, s.node)
	if err != nil {
		return err
	}
	ec := s.cfg.Executions
	if ec.LogDir == "" {
		ec.LogDir = filepath.Join(s.cfg.DataDir, "execution-logs")
	}
	if ec.Logger == nil {
		ec.Logger = s.cfg.Logger
	}
	execs, err := executions.New(ec, s.node)
	if err != nil {
		return err
	}
	execs.SetPeers(s.node)
	s.repo, s.execs = repo, execs
	sc := s.cfg.Scheduler
	sc.Limits, sc.Logger = s.runLimits, s.cfg.Logger
	s.sched = schedulefire.New(sc, s.node)
	return nil
}

// runLimits are the execution limits scheduled, webhook and plan runs
// carry into their raft commands.
func (s *Server) runLimits() state.RunLimits {
	c := s.execs.Config()
	return state.RunLimits{Minute: c.Minute, QueueCap: c.QueueCap, QueueWindow: c.QueueWindow}
}

// Artifacts exposes the artifact repository (engine sessions may serve
// blobs from its Blobs store, fetching missing ones through it).
func (s *Server) Artifacts() *artifacts.Service { return s.repo }

// Executions exposes the execution service: the engine session layer calls
// its ReportStatus and AppendLogs.
func (s *Server) Executions() *executions.Service { return s.execs }

// Router exposes the API router (for tests of the route table).
func (s *Server) Router() *api.Router { return s.router }

// Node exposes the replicated state (for wiring and tests).
func (s *Server) Node() *cluster.Node { return s.node }

// QUICAddr is the address engine sessions are served on.
func (s *Server) QUICAddr() string { return s.cfg.QUICAddr }

// Addr is the HTTP address actually bound.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Run serves until ctx ends, then shuts down gracefully: in-flight
// requests finish (up to 10 s), leader loops stop, raft closes.
func (s *Server) Run(ctx context.Context) error {
	s.registerLeaderLoops()
	bootstrap := s.cfg.Join == ""
	if err := s.node.Start(ctx, bootstrap); err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.ln) }()
	janitorCtx, stopJanitor := context.WithCancel(ctx)
	janitorDone := make(chan struct{})
	go func() { defer close(janitorDone); s.execs.RunJanitor(janitorCtx) }()
	defer func() { stopJanitor(); <-janitorDone }()
	s.cfg.Logger.Info("control plane serving", "node", s.node.ID(), "http", s.Addr(), "raft", s.cfg.RaftAddr, "dataDir", s.cfg.DataDir)

	if !bootstrap && !s.node.HasState() {
		self := cluster.Member{ID: s.node.ID(), RaftAddr: s.cfg.RaftAddr, APIAddr: s.Addr()}
		jctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := membership.Join(jctx, s.cfg.Join, s.cfg.JoinToken, self)
		cancel()
		if err != nil {
			s.shutdown()
			return err
		}
		s.cfg.Logger.Info("joined cluster", "via", s.cfg.Join)
	}
	stopLink, linkFailed := s.startEngineLink(ctx)
	select {
	case <-ctx.Done():
	case err := <-linkFailed:
		stopLink()
		s.shutdown()
		return fmt.Errorf("serve engines: %w", err)
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			stopLink()
			s.shutdown()
			return fmt.Errorf("serve HTTP: %w", err)
		}
	}
	stopLink() // agents fail over before this node's state closes
	return s.shutdown()
}

func (s *Server) shutdown() error {
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	herr := s.http.Shutdown(sctx)
	nerr := s.node.Shutdown()
	_ = s.udp.Close() // already closed if the engine link served
	return errors.Join(herr, nerr)
}

// leaderLoop is a loop that runs on this node while it leads.
type leaderLoop struct {
	name string
	run  cluster.LeaderLoop
}

// leaderLoops is the one list of the control plane's leader-only loops
// (the cluster runs one of its own, which keeps the member records).
func (s *Server) leaderLoops() []leaderLoop {
	var loops []leaderLoop
	if s.cfg.Join == "" {
		loops = append(loops, leaderLoop{"account.bootstrap", s.bootstrapAccount})
	}
	return append(loops,
		leaderLoop{"executions.dispatch", s.execs.Dispatch},
		leaderLoop{"executions.deadlines", s.execs.Deadlines},
		leaderLoop{"executions.retention", s.execs.Retention},
		leaderLoop{"schedule.fire", s.sched.Loop},
		leaderLoop{"deployments.watcher", deployments.Watcher{Store: s.node, Logger: s.cfg.Logger, Rescan: s.cfg.Deployments.Rescan}.Loop},
		leaderLoop{"plans.runner", plans.Runner{Store: s.node, Logger: s.cfg.Logger}.Loop},
		leaderLoop{"notifications", notifications.Notifier{Store: s.node, Mail: &s.cfg.Mail, Logger: s.cfg.Logger}.Loop},
		leaderLoop{"engines.notifications", s.link.NotificationsLoop},
		leaderLoop{"engines.heartbeat-monitor", s.link.MonitorLoop},
		leaderLoop{"audit.retention", audit.Retention{Keep: s.cfg.AuditRetention, Every: time.Hour, Store: s.node, Logger: s.cfg.Logger}.Loop},
		leaderLoop{"identity.sessions", identity.SessionPruner{Every: time.Minute, Store: s.node, Logger: s.cfg.Logger}.Loop},
	)
}

func (s *Server) registerLeaderLoops() {
	for _, l := range s.leaderLoops() {
		s.node.OnLeadership(l.name, l.run)
	}
}

type healthView struct {
	NodeID string `json:"nodeId"`
	Leader string `json:"leader"`
	State  string `json:"state"`
	// CaughtUp is false until the node has applied the commit index the
	// leader had when it started (see /ready).
	CaughtUp bool `json:"caughtUp"`
	// Storage says why the node cannot persist writes (its disk is full);
	// the answer is then 503.
	Storage string `json:"storage,omitempty"`
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request, _ httprouterParams) error {
	leader, _ := s.node.Leader()
	v, status := healthView{NodeID: s.node.ID(), Leader: leader, State: strings.ToLower(s.node.State()),
		CaughtUp: s.node.CaughtUp()}, http.StatusOK
	if err := s.node.StorageError(); err != nil {
		v.Storage, status = err.Error(), http.StatusServiceUnavailable
	}
	api.WriteJSON(w, status, v)
	return nil
}
