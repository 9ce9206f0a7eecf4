package deploymentstest

import (
	"context"
	"crypto/tls"
	"errors"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// link is one session's session stream, written by several goroutines.
type link struct {
	mu  sync.Mutex
	str *quic.Stream
}

func (l *link) send(m protocol.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.str.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_ = protocol.WriteMessage(l.str, m)
}

func (e *Engine) session(ctx context.Context) error {
	conf := &tls.Config{MinVersion: tls.VersionTLS13, NextProtos: []string{protocol.ALPNEngine},
		RootCAs: e.roots, ServerName: protocol.ServerName, Certificates: []tls.Certificate{e.cert}}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(dctx, e.addr, conf, &quic.Config{MaxIdleTimeout: 5 * time.Second, KeepAlivePeriod: time.Second})
	if err != nil {
		return err
	}
	defer func() { _ = conn.CloseWithError(0, "") }()
	e.mu.Lock()
	e.conn = conn
	e.mu.Unlock()
	// Session protocol version 3: the hello, heartbeats and the work all
	// go on one session stream, as agents do.
	str, err := conn.OpenStreamSync(dctx)
	if err != nil {
		return err
	}
	l := &link{str: str}
	l.send(&protocol.Hello{EngineID: e.ID, AgentVersion: e.Version, Facts: protocol.HostFacts{Hostname: "fake-" + e.ID, EngineVersion: e.Version}})
	_ = str.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return err
	}
	_ = str.SetReadDeadline(time.Time{})
	welcome, ok := m.(*protocol.Welcome)
	if !ok {
		return errors.New("no welcome")
	}
	l.send(&protocol.WorkOpen{})
	l.send(e.report())
	e.mu.Lock()
	e.link = l
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.link = nil
		e.mu.Unlock()
	}()
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { e.heartbeat(sctx, l, time.Duration(welcome.HeartbeatIntervalMillis)*time.Millisecond) })
	wg.Go(func() { e.reportEvery(sctx, l, time.Second) })
	for {
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return err
		}
		if _, ack := m.(*protocol.HeartbeatAck); ack {
			continue
		}
		e.mu.Lock()
		e.received = append(e.received, m)
		e.mu.Unlock()
		switch msg := m.(type) {
		case *protocol.Deploy:
			wg.Go(func() { e.deploy(sctx, l, msg) })
		case *protocol.Undeploy:
			wg.Go(func() { e.undeploy(sctx, l, msg) })
		}
	}
}

// heartbeat sends one heartbeat per interval on the session stream, as
// agents do (its acks arrive on the stream, read by session).
func (e *Engine) heartbeat(ctx context.Context, l *link, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for seq := uint64(1); ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.send(&protocol.Heartbeat{Seq: seq})
	}
}

// reportEvery sends the deployment report periodically, as agents do.
func (e *Engine) reportEvery(ctx context.Context, l *link, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.send(e.report())
		}
	}
}

// report is what the engine runs, as an agent sends it after WorkOpen.
func (e *Engine) report() *protocol.DeploymentReport {
	rep := &protocol.DeploymentReport{Deployments: []protocol.DeploymentStatus{}}
	for _, i := range e.Instances() {
		rep.Deployments = append(rep.Deployments, i.status(""))
	}
	return rep
}

func (i Instance) status(msg string) protocol.DeploymentStatus {
	return protocol.DeploymentStatus{DeploymentID: i.DeploymentID, TaskID: i.TaskID, Status: i.Status, SubStatus: i.SubStatus,
		ArtifactVersion: i.Version, Port: i.Port, Healthy: i.Healthy, Message: msg, Time: time.Now()}
}

// set changes an instance (nil status removes it) and reports it.
func (e *Engine) set(l *link, inst *Instance, status, sub string, healthy bool, msg string) {
	e.mu.Lock()
	inst.Status, inst.SubStatus, inst.Healthy = status, sub, healthy
	removed := status == protocol.DeployUndeployed
	if removed {
		delete(e.instances, inst.DeploymentID)
	} else {
		e.instances[inst.DeploymentID] = inst
	}
	snapshot := *inst
	on := e.onChange
	e.mu.Unlock()
	if on != nil {
		on(e.ID, snapshot, removed)
	}
	l.send(&protocol.DeploymentStatus{DeploymentID: snapshot.DeploymentID, TaskID: snapshot.TaskID, Status: status, SubStatus: sub,
		ArtifactVersion: snapshot.Version, Port: snapshot.Port, Healthy: healthy, Message: msg, Time: time.Now()})
}

func (e *Engine) deploy(ctx context.Context, l *link, d *protocol.Deploy) {
	e.mu.Lock()
	if cur, ok := e.instances[d.DeploymentID]; ok {
		st := cur.status("")
		e.mu.Unlock()
		l.send(&st)
		return
	}
	var replaced []*Instance
	for _, i := range e.instances {
		if i.TaskID == d.TaskID {
			replaced = append(replaced, i)
		}
	}
	port := d.Port
	if port == 0 {
		port = e.nextPort
		e.nextPort++
	}
	fails := e.failing[d.Artifact.Version]
	e.mu.Unlock()
	for _, old := range replaced { // one instance per task: the new one replaces it
		e.set(l, old, protocol.DeployUndeployed, protocol.SubUndeployed, false, "replaced")
	}
	inst := &Instance{DeploymentID: d.DeploymentID, TaskID: d.TaskID, Version: d.Artifact.Version, Port: port}
	e.set(l, inst, protocol.DeployDeploying, protocol.SubDownloading, false, "")
	if !pause(ctx, e.delay()) {
		return
	}
	e.set(l, inst, protocol.DeployDeploying, protocol.SubStarting, false, "")
	if !pause(ctx, e.delay()) {
		return
	}
	if fails {
		e.set(l, inst, protocol.DeployFailed, protocol.SubDeployFailed, false, "health check "+d.HealthPath+" answered 503")
		return
	}
	e.set(l, inst, protocol.DeployRunning, protocol.SubExecuting, true, "")
}

func (e *Engine) undeploy(ctx context.Context, l *link, u *protocol.Undeploy) {
	e.mu.Lock()
	inst, ok := e.instances[u.DeploymentID]
	e.mu.Unlock()
	if !ok {
		l.send(&protocol.DeploymentStatus{DeploymentID: u.DeploymentID, TaskID: u.TaskID, Status: protocol.DeployUndeployed,
			SubStatus: protocol.SubUndeployed, Time: time.Now()})
		return
	}
	e.set(l, inst, protocol.DeployUndeploying, protocol.SubUndeploying, false, "")
	if !pause(ctx, e.delay()) {
		return
	}
	e.set(l, inst, protocol.DeployUndeployed, protocol.SubUndeployed, false, "")
}

// pause is the simulated duration of an agent's work step.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
