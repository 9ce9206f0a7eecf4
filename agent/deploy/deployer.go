package deploy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/agent/artifacts"
	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

// Config tunes how the engine runs deployments (routes and data
// services). Zero values pick the documented defaults.
type Config struct {
	// HealthInterval is how often a running deployment's health and
	// process are checked; a change is reported at once. Default 5 s.
	HealthInterval time.Duration

	// ReportInterval is how often the full DeploymentReport is sent, on
	// top of the one right after each WorkOpen: it rides with the first
	// heartbeat at least ReportInterval after the last report, in the
	// same write (one packet, one wake-up of the node instead of two), so
	// with the default 60 s heartbeat it goes once a minute. Default 30 s.
	ReportInterval time.Duration

	// MetricsInterval is how often DeploymentMetrics are sent for running
	// deployments with a metric path. Default 60 s.
	MetricsInterval time.Duration

	// HealthTimeout bounds the wait from start to healthy when a Deploy
	// names none. Default 2 minutes.
	HealthTimeout time.Duration

	// UndeployTimeout bounds stopping an instance (the runtime's graceful
	// stop, then its kill). Default 1 minute.
	UndeployTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.HealthInterval <= 0 {
		c.HealthInterval = 5 * time.Second
	}
	if c.ReportInterval <= 0 {
		c.ReportInterval = 30 * time.Second
	}
	if c.MetricsInterval <= 0 {
		c.MetricsInterval = time.Minute
	}
	if c.HealthTimeout <= 0 {
		c.HealthTimeout = 2 * time.Minute
	}
	if c.UndeployTimeout <= 0 {
		c.UndeployTimeout = time.Minute
	}
	return c
}

// deployment is one Deploy the engine knows: its record and, while it
// runs, the watcher of its instance.
type deployment struct {
	rec       deployRecord
	inst      *instance // while it runs
	stopWatch func()    // ends the watcher and waits for it; nil when none
}

// Deployer runs the deployments of this engine: one instance per task,
// each task's requests in arrival order. It outlives sessions: services
// keep running while the agent reconnects, and what is known is reported
// on every new work stream.
type Deployer struct {
	cfg     Config
	sup     *runtime.Supervisor
	fetcher *artifacts.Fetcher
	session *link.Current
	ledger  *deployLedger
	log     *slog.Logger

	ctx context.Context // the agent's run
	wg  sync.WaitGroup

	containerMu sync.Mutex // one runtime container start at a time

	mu         sync.Mutex
	lastReport time.Time              // when the last full report went out
	byID       map[string]*deployment // every known deployment, queued ones too
	byTask     map[string]*deployment // the task's current deployment
	queues     map[string][]func()    // per task; a key means a drainer runs
}

// Start takes over the deployments an earlier agent left (recorded in
// dir, found running in sup) and starts the metrics loop. Deployments
// run in sup with artifacts from fetcher, and their statuses go on the
// current session, until ctx ends; Wait then waits for the deployer,
// leaving the services running for the next agent.
func Start(ctx context.Context, cfg Config, dir string, sup *runtime.Supervisor, fetcher *artifacts.Fetcher,
	session *link.Current, log *slog.Logger) (*Deployer, error) {
	l, recs, damaged, err := openDeployLedger(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range damaged {
		log.Error("a damaged deployment record was moved aside; the control plane's next Deploy repairs it", "file", f)
	}
	d := &Deployer{cfg: cfg.withDefaults(), sup: sup, fetcher: fetcher, session: session, ledger: l, log: log, ctx: ctx,
		byID: map[string]*deployment{}, byTask: map[string]*deployment{}, queues: map[string][]func(){}}
	d.resume(recs)
	d.loops()
	return d, nil
}

// Handle acts on a work message of the deployments (Deploy, Undeploy);
// it ignores any other.
func (d *Deployer) Handle(m protocol.Message) {
	switch msg := m.(type) {
	case *protocol.Deploy:
		d.deploy(msg)
	case *protocol.Undeploy:
		d.undeploy(msg)
	}
}

// deploy takes a Deploy from the work stream. A repeated DeploymentID is
// answered with its current status and changes nothing.
func (d *Deployer) deploy(m *protocol.Deploy) {
	d.mu.Lock()
	if known := d.byID[m.DeploymentID]; known != nil {
		st := known.rec.Status
		d.mu.Unlock()
		d.send(&st)
		return
	}
	dep := &deployment{rec: deployRecord{Deploy: *m, WorkloadID: deploymentWorkloadID(m.DeploymentID),
		Status: protocol.DeploymentStatus{DeploymentID: m.DeploymentID, TaskID: m.TaskID, Status: protocol.DeployDeploying,
			SubStatus: protocol.SubDownloading, ArtifactVersion: m.Artifact.Version, Time: time.Now().UTC()}}}
	if m.DeploymentID != "" {
		d.byID[m.DeploymentID] = dep // a repeat while it waits is answered, not run twice
	}
	d.mu.Unlock()
	d.enqueue(m.TaskID, func() { d.run(dep) })
}

// undeploy takes an Undeploy from the work stream; it runs after what is
// queued for the task.
func (d *Deployer) undeploy(m *protocol.Undeploy) {
	d.mu.Lock()
	task := m.TaskID
	if known := d.byID[m.DeploymentID]; known != nil {
		task = known.rec.Deploy.TaskID
	}
	d.mu.Unlock()
	d.enqueue(task, func() { d.runUndeploy(m) })
}

// enqueue runs op after every earlier op of the same task.
func (d *Deployer) enqueue(task string, op func()) {
	d.mu.Lock()
	q, busy := d.queues[task]
	d.queues[task] = append(q, op)
	d.mu.Unlock()
	if !busy {
		d.wg.Go(func() { d.drain(task) })
	}
}

func (d *Deployer) drain(task string) {
	for {
		d.mu.Lock()
		q := d.queues[task]
		if len(q) == 0 || d.ctx.Err() != nil {
			delete(d.queues, task)
			d.mu.Unlock()
			return
		}
		op := q[0]
		d.queues[task] = q[1:]
		d.mu.Unlock()
		op()
	}
}

// update sets a deployment's status, saves it and sends it.
func (d *Deployer) update(dep *deployment, status, sub, msg string, healthy bool) {
	d.mu.Lock()
	st := &dep.rec.Status
	st.Status, st.SubStatus, st.Message, st.Healthy, st.Time = status, sub, clip(msg), healthy, time.Now().UTC()
	if status != protocol.DeployRunning {
		st.Port = 0
	}
	rec := dep.rec
	d.mu.Unlock()
	d.save(rec)
	d.send(&rec.Status)
}

func (d *Deployer) save(rec deployRecord) {
	if rec.Deploy.DeploymentID == "" {
		return
	}
	if err := d.ledger.save(rec); err != nil {
		d.log.Error("saving a deployment failed", "deployment", rec.Deploy.DeploymentID, "err", err)
	}
}

// fail marks a deployment FAILED with the sub-state and reason.
func (d *Deployer) fail(dep *deployment, sub string, err error) {
	if d.ctx.Err() != nil {
		return // the agent stops: the next one finds out what really happened
	}
	d.log.Warn("deployment failed", "deployment", dep.rec.Deploy.DeploymentID, "task", dep.rec.Deploy.TaskID, "sub", sub, "err", err)
	d.update(dep, protocol.DeployFailed, sub, err.Error(), false)
}

// maxStatusMessage bounds a status's message (a plugin's stderr can be
// long) so that a report of every deployment fits in one frame.
const maxStatusMessage = 1024

func clip(msg string) string {
	if len(msg) <= maxStatusMessage {
		return msg
	}
	return strings.ToValidUTF8(msg[:maxStatusMessage-3], "") + "..."
}

// send writes m on the current session, if any: a lost status is
// repaired by the next report.
func (d *Deployer) send(m protocol.Message) { d.session.Send(m) }

// report is every known deployment's latest status, by deployment ID.
func (d *Deployer) report() *protocol.DeploymentReport {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := &protocol.DeploymentReport{Deployments: make([]protocol.DeploymentStatus, 0, len(d.byID))}
	for _, dep := range d.byID {
		r.Deployments = append(r.Deployments, dep.rec.Status)
	}
	sort.Slice(r.Deployments, func(i, j int) bool { return r.Deployments[i].DeploymentID < r.Deployments[j].DeploymentID })
	return r
}

// SessionStarted sends the report on a new session, right after its
// WorkOpen.
func (d *Deployer) SessionStarted(s *link.Session) {
	d.mu.Lock()
	d.lastReport = time.Now()
	d.mu.Unlock()
	_ = s.Send(d.report())
}

// ReportDue returns the full report when ReportInterval has passed since
// the last one (the heartbeat then carries it), nil otherwise.
func (d *Deployer) ReportDue(now time.Time) *protocol.DeploymentReport {
	d.mu.Lock()
	due := now.Sub(d.lastReport) >= d.cfg.ReportInterval
	if due {
		d.lastReport = now
	}
	d.mu.Unlock()
	if !due {
		return nil
	}
	return d.report()
}

// Wait waits for every goroutine of the deployer (after the agent's ctx
// ended). Services keep running for the next agent.
func (d *Deployer) Wait() { d.wg.Wait() }

// validateDeploy refuses a request the engine cannot act on.
func validateDeploy(m *protocol.Deploy) error {
	var errs []error
	if m.DeploymentID == "" {
		errs = append(errs, errors.New("deploymentId is empty"))
	}
	if m.TaskID == "" {
		errs = append(errs, errors.New("taskId is empty"))
	}
	if m.Port < 0 || m.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is out of range", m.Port))
	}
	switch m.BinaryType {
	case "", artifact.BinaryMicroservice, artifact.BinaryRuntime:
	default:
		errs = append(errs, fmt.Errorf("binaryType %q: want %q or %q", m.BinaryType, artifact.BinaryMicroservice, artifact.BinaryRuntime))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bad deploy request: %w", err)
	}
	return nil
}
