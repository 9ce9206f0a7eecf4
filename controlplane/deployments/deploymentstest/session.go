package deploymentstest

import (
	"context"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/enginesession"
)

func (e *Engine) session(ctx context.Context) error {
	creds := e.creds
	s, welcome, err := enginesession.Open(ctx, e.addr, &protocol.Hello{EngineID: e.ID, AgentVersion: e.Version,
		Facts: protocol.HostFacts{Hostname: "fake-" + e.ID, EngineVersion: e.Version}},
		enginesession.Options{TLS: enginesession.SessionTLS(creds.Roots(), creds.TLSCertificate), Timeout: 5 * time.Second,
			QUIC: &quic.Config{MaxIdleTimeout: 5 * time.Second, KeepAlivePeriod: time.Second}})
	if err != nil {
		return err
	}
	defer s.Close(0, "")
	e.mu.Lock()
	e.conn = s
	e.mu.Unlock()
	_ = s.Send(&protocol.WorkOpen{}, e.report())
	e.mu.Lock()
	e.link = s
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
	wg.Go(func() { e.heartbeat(sctx, s, time.Duration(welcome.HeartbeatIntervalMillis)*time.Millisecond) })
	wg.Go(func() { e.reportEvery(sctx, s, time.Second) })
	return s.Serve(ctx, func(m protocol.Message) {
		e.mu.Lock()
		e.received = append(e.received, m)
		e.mu.Unlock()
		switch msg := m.(type) {
		case *protocol.Deploy:
			wg.Go(func() { e.deploy(sctx, s, msg) })
		case *protocol.Undeploy:
			wg.Go(func() { e.undeploy(sctx, s, msg) })
		}
	})
}

// heartbeat sends one heartbeat per interval on the session stream, as
// agents do (its acks arrive on the stream, read by Serve).
func (e *Engine) heartbeat(ctx context.Context, l *enginesession.Session, every time.Duration) {
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
		_ = l.Heartbeat(ctx, &protocol.Heartbeat{Seq: seq}, every)
	}
}

// reportEvery sends the deployment report periodically, as agents do.
func (e *Engine) reportEvery(ctx context.Context, l *enginesession.Session, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = l.Send(e.report())
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
func (e *Engine) set(l *enginesession.Session, inst *Instance, status, sub string, healthy bool, msg string) {
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
	_ = l.Send(&protocol.DeploymentStatus{DeploymentID: snapshot.DeploymentID, TaskID: snapshot.TaskID, Status: status, SubStatus: sub,
		ArtifactVersion: snapshot.Version, Port: snapshot.Port, Healthy: healthy, Message: msg, Time: time.Now()})
}

func (e *Engine) deploy(ctx context.Context, l *enginesession.Session, d *protocol.Deploy) {
	e.mu.Lock()
	if cur, ok := e.instances[d.DeploymentID]; ok {
		st := cur.status("")
		e.mu.Unlock()
		_ = l.Send(&st)
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

func (e *Engine) undeploy(ctx context.Context, l *enginesession.Session, u *protocol.Undeploy) {
	e.mu.Lock()
	inst, ok := e.instances[u.DeploymentID]
	e.mu.Unlock()
	if !ok {
		_ = l.Send(&protocol.DeploymentStatus{DeploymentID: u.DeploymentID, TaskID: u.TaskID, Status: protocol.DeployUndeployed,
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
