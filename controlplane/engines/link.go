package engines

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/delivery"
	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Node is what the link needs from the local control-plane node.
type Node interface {
	Store
	IsLeader() bool
	Leader() (id, apiAddr string)
	// Replaced is closed when a snapshot install replaces the replica
	// (see cluster.Node.Replaced); sessions' work watchers wake on it.
	Replaced() <-chan struct{}
}

// LinkConfig configures the agent link of one node.
type LinkConfig struct {
	// NodeID names this node to agents.
	NodeID string
	// Addr is the UDP address agents connect to (--quic-addr).
	Addr string
	// PacketConn, when set, is the socket already bound to Addr; the node
	// binds it at start so a taken port stops the node before it serves.
	PacketConn net.PacketConn
	// HeartbeatInterval and HeartbeatTimeout: see enginelink.Config.
	HeartbeatInterval time.Duration
	HeartbeatTimeout  time.Duration
	// SummaryInterval: how often each engine's last heartbeat time and
	// host summary are written to its record (enginelink.MonitorConfig).
	SummaryInterval time.Duration
	// ClassicalKeyExchange: see enginelink.Config (a security trade-off).
	ClassicalKeyExchange bool
	// Work is what sessions run (assignments, statuses, logs, artifact
	// downloads); nil: sessions carry only the control stream.
	Work enginelink.Work
	// Mail sends engine notifications of subscriptions without a url;
	// nil or unconfigured: such deliveries fail and are retried.
	Mail *delivery.Mailer
	// MinEngineVersion: see enginelink.Config (RETIRED engines).
	MinEngineVersion string
	// StatelessResetKey lets this node reset the sessions of a crashed
	// earlier run (enginelink.Config.StatelessResetKey); nil: none.
	StatelessResetKey *quic.StatelessResetKey
	// Logger receives the link's logs.
	Logger *slog.Logger
}

// Link is a node's agent link: the QUIC server, the heartbeat monitor
// (leader-only) and the forwarder of heartbeats to the leader.
type Link struct {
	cfg       LinkConfig
	node      Node
	dir       *Directory
	server    *enginelink.Server
	monitor   *enginelink.Monitor
	forwarder *enginelink.Forwarder
	notify    *notifier
	client    *http.Client

	ready chan struct{} // closed once the server listens
	once  sync.Once
}

// NewLink prepares the link; Run serves it. Its leader-only loops
// (NotificationsLoop, MonitorLoop) are the server's to register.
func NewLink(cfg LinkConfig, node Node) (*Link, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Link{cfg: cfg, node: node, dir: NewDirectory(node), ready: make(chan struct{}),
		client: &http.Client{Timeout: 5 * time.Second}}
	l.monitor = enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: cfg.HeartbeatTimeout, Logger: cfg.Logger,
		Heartbeats: l.dir, SummaryInterval: cfg.SummaryInterval}, l.dir)
	l.forwarder = enginelink.NewSummaryForwarder(l.forwardToLeader, 0, l.summaryInterval(), cfg.Logger)
	sink := enginelink.Router{IsLeader: node.IsLeader, Local: l.monitor, Remote: l.forwarder}
	srv, err := enginelink.New(enginelink.Config{
		NodeID: cfg.NodeID, Addr: cfg.Addr, PacketConn: cfg.PacketConn, HeartbeatInterval: cfg.HeartbeatInterval,
		HeartbeatTimeout: cfg.HeartbeatTimeout, Logger: cfg.Logger, Servers: l.servers, Work: cfg.Work,
		ClassicalKeyExchange: cfg.ClassicalKeyExchange, Replaced: node.Replaced, StatelessResetKey: cfg.StatelessResetKey,
		MinEngineVersion: cfg.MinEngineVersion,
	}, l.dir, sink)
	if err != nil {
		return nil, err
	}
	l.server = srv
	l.notify = &notifier{store: node, client: &http.Client{Timeout: 5 * time.Second}, mail: cfg.Mail, log: cfg.Logger, every: 500 * time.Millisecond}
	return l, nil
}

// NotificationsLoop delivers the engine notifications of the outbox; a
// leader-only loop.
func (l *Link) NotificationsLoop(ctx context.Context) { l.notify.run(ctx) }

// MonitorLoop runs the heartbeat monitor while this node leads, then hands
// the engines whose AVAILABLE it did not write on to the next leader; a
// leader-only loop.
func (l *Link) MonitorLoop(ctx context.Context) {
	if err := l.monitor.Run(ctx); err != nil {
		l.cfg.Logger.Error("heartbeat monitor stopped", "err", err)
	}
	for _, id := range l.monitor.TakeUnwritten() {
		l.forwarder.Heartbeat(id) // to the next leader
	}
}

// Directory is the link's view of the replicated state.
func (l *Link) Directory() *Directory { return l.dir }

// Run loads (or creates) the cluster CA, listens for agents and serves
// them until ctx ends. It also closes sessions of revoked engines.
func (l *Link) Run(ctx context.Context) error {
	for {
		_, err := l.dir.CA(ctx)
		if err == nil {
			break
		}
		l.cfg.Logger.Warn("engine link waiting for the cluster CA", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	if err := l.server.Listen(ctx); err != nil {
		return err
	}
	l.advertise(ctx)
	l.once.Do(func() { close(l.ready) })
	l.cfg.Logger.Info("engine link serving", "quic", l.server.Addr().String())
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { _ = l.forwarder.Run(ctx) })
	wg.Go(func() { l.closeRevoked(ctx) })
	return l.server.Serve(ctx)
}

// advertise records this node's agent address in the replicated state (only
// when it changed), so agents learn every node at session start.
func (l *Link) advertise(ctx context.Context) {
	for _, n := range state.EngineLinkNodes(l.node.Read()) {
		if n.ID == l.cfg.NodeID && n.QUICAddr == l.cfg.Addr {
			return
		}
	}
	cmd, err := cluster.NewCommand(state.CmdEngineLinkNode, cluster.Meta{}, state.EngineLinkNode{ID: l.cfg.NodeID, QUICAddr: l.cfg.Addr})
	if err == nil {
		_, err = l.node.Apply(ctx, cmd, nil)
	}
	if err != nil {
		l.cfg.Logger.Warn("advertising the engine link address failed; agents learn it at their next session", "err", err)
	}
}

// servers lists every node's agent address (local read).
func (l *Link) servers() []string {
	var out []string
	for _, n := range state.EngineLinkNodes(l.node.Read()) {
		out = append(out, n.QUICAddr)
	}
	return out
}

// Ready is closed once the link listens.
func (l *Link) Ready() <-chan struct{} { return l.ready }

// CloseEngine closes the engine's live session on this node, if any.
func (l *Link) CloseEngine(engineID, reason string) {
	select {
	case <-l.ready:
		l.server.CloseEngine(engineID, reason)
	default:
	}
}

// closeRevoked watches the engine records and closes the local sessions of
// engines deleted, unpaired or re-keyed, whichever node took the request.
// A sweep checks every session, yet most engine changes (availability)
// revoke nothing: sweeps are spaced by 50 times the last one's duration,
// from 250 ms to 5 s (a sweep of 16,000 sessions takes ~30 ms: back to
// back, a storm of availability writes would cost a tenth of a core for
// nothing; spaced, at most 2 %). The node that took a deletion closes the
// session at once (CloseEngine), the others within the spacing; every
// heartbeat checks too.
func (l *Link) closeRevoked(ctx context.Context) {
	const minSpacing, fallback = 250 * time.Millisecond, 5 * time.Second
	for {
		changed := state.EnginesChanged(l.node.Read())
		t0 := time.Now()
		l.server.CloseRevoked(ctx)
		if !sleepCtx(ctx, min(max(minSpacing, 50*time.Since(t0)), fallback)) {
			return
		}
		t := time.NewTimer(fallback) // also covers a snapshot restore swapping the store
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

var errNoLeader = errors.New("no leader known")

func (l *Link) summaryInterval() time.Duration {
	if l.cfg.SummaryInterval > 0 {
		return l.cfg.SummaryInterval
	}
	return enginelink.DefaultMonitorConfig().SummaryInterval
}

// Monitor is the node's heartbeat monitor (armed while it leads).
func (l *Link) Monitor() *enginelink.Monitor { return l.monitor }
