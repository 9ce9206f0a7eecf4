package engines_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/internal/testnet"
	"github.com/roundhouse/roundhouse/protocol"
)

// heartbeatBody is what GET remote-engines/{id} says of an engine's load.
type heartbeatBody struct {
	Availability    string                `json:"availability"`
	LastHeartbeatAt *time.Time            `json:"lastHeartbeatAt"`
	HostSummary     *protocol.HostSummary `json:"hostSummary"`
}

func hostLoad(cpu float64) protocol.HostSummary {
	return protocol.HostSummary{CPUPercent: cpu, MemoryPercent: 61.5, DiskFreeBytes: 42 << 30, RunningWork: 2}
}

// createdAgent creates an engine through the API and pairs a test agent
// with its key over QUIC.
func createdAgent(t *testing.T, c *cptest.Client, quicAddr, name string) *testAgent {
	t.Helper()
	var e engineBody
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": name, "environmentId": defaultEnv(t, c)}, &e)
	return pairAgent(t, quicAddr, e.PreAuthorizedKey)
}

func getHeartbeat(t *testing.T, c *cptest.Client, id string) heartbeatBody {
	t.Helper()
	var b heartbeatBody
	c.Must(t, 200, "GET", "/processing/runtimes/remote-engines/"+id, nil, &b)
	return b
}

func showsSummary(t *testing.T, c *cptest.Client, id string, want protocol.HostSummary) func() bool {
	return func() bool {
		b := getHeartbeat(t, c, id)
		return b.HostSummary != nil && *b.HostSummary == want && b.LastHeartbeatAt != nil
	}
}

// An engine that comes up shows its first summary at once; a heartbeat
// inside the interval writes nothing (the monitor's count, proven after
// another engine's write that follows it).
func TestEngineSummaryShowsAtOnceAndABeatInsideTheIntervalWritesNothing(t *testing.T) {
	var quicAddr string
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.EngineHeartbeatInterval, c.EngineHeartbeatTimeout, c.EngineSummaryInterval = time.Second, 10*time.Second, time.Hour
		quicAddr = c.QUICAddr
	})
	c := srv.Client(cptest.AdminToken)
	a1, a2 := createdAgent(t, c, quicAddr, "load-1"), createdAgent(t, c, quicAddr, "load-2")
	if b := getHeartbeat(t, c, a1.id); b.LastHeartbeatAt != nil || b.HostSummary != nil {
		t.Fatalf("a paired engine never heard from shows %+v", b)
	}
	a1.connect(t)
	a1.beat(t, hostLoad(12.5))
	waitFor(t, 2*time.Second, "the first summary shown", showsSummary(t, c, a1.id, hostLoad(12.5)))
	first := getHeartbeat(t, c, a1.id)
	if first.Availability != "AVAILABLE" || time.Since(*first.LastHeartbeatAt) > 5*time.Second {
		t.Fatalf("engine shows %+v", first)
	}
	mon := srv.EngineLink().Monitor()
	cmds, _ := mon.HeartbeatWrites()

	a1.beat(t, hostLoad(80)) // inside the hour
	a2.connect(t)            // comes up after it: written at once
	a2.beat(t, hostLoad(33))
	waitFor(t, 2*time.Second, "the second engine's summary shown", showsSummary(t, c, a2.id, hostLoad(33)))
	if now, _ := mon.HeartbeatWrites(); now != cmds+1 {
		t.Fatalf("%d heartbeat commands for one engine coming up; the beat inside the interval must write nothing", now-cmds)
	}
	if b := getHeartbeat(t, c, a1.id); *b.HostSummary != hostLoad(12.5) || !b.LastHeartbeatAt.Equal(*first.LastHeartbeatAt) {
		t.Fatalf("engine 1 shows %+v, want what was first written", b)
	}
}

// A heartbeating engine's latest summary is shown within the configured
// interval, and it is written about once per interval, not per beat.
func TestEngineSummaryIsRefreshedOncePerInterval(t *testing.T) {
	const interval = 500 * time.Millisecond
	var quicAddr string
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.EngineHeartbeatInterval, c.EngineHeartbeatTimeout, c.EngineSummaryInterval = time.Second, 10*time.Second, interval
		quicAddr = c.QUICAddr
	})
	c := srv.Client(cptest.AdminToken)
	a := createdAgent(t, c, quicAddr, "busy")
	a.connect(t)
	mon := srv.EngineLink().Monitor()
	start := time.Now()
	cpu := 0.0
	for time.Since(start) < 3*interval { // ~30 beats
		cpu++
		a.beat(t, hostLoad(cpu))
		time.Sleep(50 * time.Millisecond)
	}
	last := time.Now()
	// Within the interval, plus a tick and a write on a shared machine.
	waitFor(t, interval+time.Second, "the last summary shown", showsSummary(t, c, a.id, hostLoad(cpu)))
	if d := time.Since(last); d > interval+time.Second {
		t.Fatalf("last summary shown %s after its beat", d)
	}
	cmds, recs := mon.HeartbeatWrites()
	if most := uint64(time.Since(start)/interval) + 2; recs > most {
		t.Fatalf("%.0f beats over %s written in %d records (%d commands); want at most %d", cpu, time.Since(start).Round(time.Millisecond), recs, cmds, most)
	}
}

// The recorded heartbeat is part of the replicated engine record: it
// survives a restart from a snapshot.
func TestEngineSummarySurvivesARestart(t *testing.T) {
	quicAddr, err := testnet.Addr()
	if err != nil {
		t.Fatal(err)
	}
	raftAddr, err := testnet.Addr()
	if err != nil {
		t.Fatal(err)
	}
	cfg := controlplane.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", QUICAddr: quicAddr, RaftAddr: raftAddr,
		BootstrapToken: cptest.AdminToken, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		EngineHeartbeatInterval: time.Second, EngineHeartbeatTimeout: 10 * time.Second, EngineSummaryInterval: time.Hour}
	srv, stop := cptest.Boot(t, cfg)
	c := &cptest.Client{URL: "http://" + srv.Addr(), Token: cptest.AdminToken}
	a := createdAgent(t, c, quicAddr, "durable")
	a.connect(t)
	a.beat(t, hostLoad(7.5))
	waitFor(t, 2*time.Second, "the summary shown", showsSummary(t, c, a.id, hostLoad(7.5)))
	before := getHeartbeat(t, c, a.id)
	if err := srv.Node().Snapshot(); err != nil {
		t.Fatal(err)
	}
	stop()

	srv, stop = cptest.Boot(t, cfg)
	defer stop()
	c.URL = "http://" + srv.Addr()
	after := getHeartbeat(t, c, a.id)
	if after.HostSummary == nil || *after.HostSummary != hostLoad(7.5) || !after.LastHeartbeatAt.Equal(*before.LastHeartbeatAt) {
		t.Fatalf("after a restart the engine shows %+v, before %+v", after, before)
	}
}

// Three nodes: an engine connected to a follower has its summary
// forwarded to the leader, recorded once, and shown alike by every node.
func TestEngineSummaryOnAFollowerIsShownByEveryNode(t *testing.T) {
	const token = "rhp_summary-cluster-token-0123456789abcdefghij"
	nodes := executionstest.StartCluster(t, 3, token, executions.Config{})
	var follower *executionstest.Node
	for _, n := range nodes {
		if !n.Node().IsLeader() {
			follower = n
			break
		}
	}
	if follower == nil {
		t.Fatal("no follower")
	}
	fc := &cptest.Client{URL: follower.URL, Token: token}
	a := createdAgent(t, fc, follower.QUICAddr(), "remote")
	a.connect(t)
	a.beat(t, hostLoad(44.4))
	for i, n := range nodes {
		nc := &cptest.Client{URL: n.URL, Token: token}
		waitFor(t, 5*time.Second, fmt.Sprintf("node %d shows the summary", i), showsSummary(t, nc, a.id, hostLoad(44.4)))
	}
}
