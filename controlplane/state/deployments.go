package state

import (
	"sort"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/protocol"
)

// What the control plane wants of a deployment: its instance running, or
// stopped. Agent statuses that contradict it are stale and ignored.
const (
	DesireRun  = "RUN"
	DesireStop = "STOP"
)

// Deployment is the current record of one service task on one engine
// (what the deployments API shows). A new deployment on the engine supersedes it
// and moves it to the history. Every field is serialised (snapshots are
// JSON); the API shows a view of it.
type Deployment struct {
	ID              string    `json:"id"` // TaskID + "/" + EngineID
	DeploymentID    string    `json:"deploymentId"`
	TaskID          string    `json:"taskId"`
	EngineID        string    `json:"engineId"`
	Status          string    `json:"status"`    // protocol.Deploy*
	SubStatus       string    `json:"subStatus"` // protocol.Sub*
	ArtifactVersion string    `json:"artifactVersion"`
	ArtifactDigest  string    `json:"artifactDigest"`
	Port            int       `json:"port,omitempty"`
	CustomPort      int       `json:"customPort,omitempty"`
	Healthy         bool      `json:"healthy"`
	Message         string    `json:"message,omitempty"`
	DeployedBy      string    `json:"deployedBy"`
	Start           time.Time `json:"start,omitzero"`
	Stop            time.Time `json:"stop,omitzero"`
	RolloutID       string    `json:"rolloutId,omitempty"`
	Desired         string    `json:"desired"`
	// HealthySince is when the instance last became RUNNING and healthy
	// (zero while it is not): the rolling gate counts from it.
	HealthySince time.Time `json:"healthySince,omitzero"`
	// DrainUntil holds back the undeploy request of a draining instance
	// (shown UNDEPLOYING) until load balancers had time to notice.
	DrainUntil  time.Time                   `json:"drainUntil,omitzero"`
	Metrics     *protocol.DeploymentMetrics `json:"metrics,omitempty"`
	MetricsTime time.Time                   `json:"metricsTime,omitzero"`
	UpdatedAt   time.Time                   `json:"updatedAt"`
}

// Active reports whether the engine runs, or is asked to run or stop, an
// instance for this record.
func (d *Deployment) Active() bool {
	return d.Status != protocol.DeployUndeployed && d.Status != protocol.DeployNeverDeployed &&
		!(d.Status == protocol.DeployFailed && d.Desired == DesireStop)
}

// Draining reports whether the record waits out its shutdown delay.
func (d *Deployment) Draining() bool { return !d.DrainUntil.IsZero() }

const (
	tableDeployments       = "deployments"
	tableDeploymentHistory = "deployment_history"

	CmdDeploymentStatus   = "deployment.status"
	CmdDeploymentMetrics  = "deployment.metrics"
	CmdDeploymentUndeploy = "deployment.undeploy"
	CmdDeploymentRelease  = "deployment.release"
)

func deploymentSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableDeployments, func() any { return new(Deployment) }, idIndex(),
				stringIndex("task", "TaskID", false), stringIndex("engine", "EngineID", false),
				stringIndex("deployment", "DeploymentID", true)),
			table(tableDeploymentHistory, func() any { return new(Deployment) }, idIndex(),
				stringIndex("task", "TaskID", false)),
		},
		Handlers: map[string]cluster.Handler{
			CmdDeploymentStatus:   applyDeploymentStatus,
			CmdDeploymentMetrics:  applyDeploymentMetrics,
			CmdDeploymentUndeploy: applyDeploymentUndeploy,
			CmdDeploymentRelease:  applyDeploymentRelease,
		},
	}
}

// DeploymentOf reads the current record of a task on an engine.
func DeploymentOf(txn Reader, taskID, engineID string) *Deployment {
	return first[Deployment](txn, tableDeployments, "id", taskID+"/"+engineID)
}

// DeploymentByID reads a current record by its deployment ID.
func DeploymentByID(txn Reader, deploymentID string) *Deployment {
	return first[Deployment](txn, tableDeployments, "deployment", deploymentID)
}

// DeploymentsOfTask lists a task's current records.
func DeploymentsOfTask(txn Reader, taskID string) []*Deployment {
	return all[Deployment](txn, tableDeployments, "task", taskID)
}

// Deployments lists every current record.
func Deployments(txn Reader) []*Deployment { return all[Deployment](txn, tableDeployments, "id") }

// DeploymentHistory lists a task's superseded records.
func DeploymentHistory(txn Reader, taskID string) []*Deployment {
	return all[Deployment](txn, tableDeploymentHistory, "task", taskID)
}

// WatchEngineDeployments returns the current records on an engine and a
// channel closed when they change (for the engine's sessions).
func WatchEngineDeployments(txn Reader, engineID string) ([]*Deployment, <-chan struct{}) {
	return watchAll[Deployment](txn, tableDeployments, "engine", engineID)
}

// supersede moves the current record of (task, engine), if any, to the
// history; an instance still shown running is recorded as undeployed.
func supersede(tx *cluster.Tx, cur *Deployment, now time.Time) error {
	if cur == nil {
		return nil
	}
	old := *cur
	old.ID = old.DeploymentID
	if old.Status == protocol.DeployRunning || old.Status == protocol.DeployUndeploying || old.Status == protocol.DeployDeploying {
		old.Status, old.SubStatus, old.Healthy = protocol.DeployUndeployed, protocol.SubUndeployed, false
	}
	if old.Stop.IsZero() {
		old.Stop = now
	}
	old.UpdatedAt = now
	if err := tx.Insert(tableDeploymentHistory, &old); err != nil {
		return err
	}
	if err := pruneHistory(tx, cur.TaskID); err != nil {
		return err
	}
	return tx.Delete(tableDeployments, cur)
}

// MaxDeploymentHistory is how many superseded records a task keeps; the
// oldest go first.
const MaxDeploymentHistory = 200

func pruneHistory(tx *cluster.Tx, taskID string) error {
	hist := DeploymentHistory(tx.Reader, taskID)
	if len(hist) <= MaxDeploymentHistory {
		return nil
	}
	sort.Slice(hist, func(i, j int) bool { return hist[i].Start.Before(hist[j].Start) })
	for _, h := range hist[:len(hist)-MaxDeploymentHistory] {
		if err := tx.Delete(tableDeploymentHistory, h); err != nil {
			return err
		}
	}
	return nil
}

// drain asks a record's instance to stop: shown UNDEPLOYING at once, its
// undeploy request held back by delay when it runs.
func drain(tx *cluster.Tx, cur *Deployment, delay time.Duration, now time.Time) error {
	if cur == nil || cur.Desired == DesireStop || !cur.Active() {
		return nil
	}
	next := *cur
	next.Desired, next.Status, next.SubStatus = DesireStop, protocol.DeployUndeploying, protocol.SubSendingUndeploy
	next.HealthySince, next.DrainUntil, next.UpdatedAt = time.Time{}, time.Time{}, now
	if cur.Status == protocol.DeployRunning && delay > 0 {
		next.DrainUntil = now.Add(delay)
	}
	return tx.Insert(tableDeployments, &next)
}

// DeploymentStatusRequest records what an engine reported.
type DeploymentStatusRequest struct {
	EngineID string                    `json:"engineId"`
	Status   protocol.DeploymentStatus `json:"status"`
}

// DeploymentStatusResult says whether the report changed the record;
// Stale means it was about a deployment that is no longer current there.
type DeploymentStatusResult struct {
	Stale   bool `json:"stale,omitempty"`
	Changed bool `json:"changed,omitempty"`
}

func applyDeploymentStatus(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req DeploymentStatusRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	st := req.Status
	cur := DeploymentByID(tx.Reader, st.DeploymentID)
	if cur == nil || cur.EngineID != req.EngineID || !acceptsStatus(cur, st) {
		return &DeploymentStatusResult{Stale: true}, nil
	}
	if cur.Status == st.Status && cur.SubStatus == st.SubStatus && cur.Healthy == st.Healthy &&
		cur.Message == st.Message && (st.Port == 0 || st.Port == cur.Port) {
		return &DeploymentStatusResult{}, nil
	}
	next := *cur
	next.Status, next.SubStatus, next.Healthy, next.Message, next.UpdatedAt = st.Status, st.SubStatus, st.Healthy, st.Message, cmd.Meta.Time
	if st.Port != 0 {
		next.Port = st.Port
	}
	running := st.Status == protocol.DeployRunning && st.Healthy
	switch {
	case !running:
		next.HealthySince = time.Time{}
	case cur.HealthySince.IsZero():
		next.HealthySince = cmd.Meta.Time
	}
	if st.Status == protocol.DeployUndeployed || st.Status == protocol.DeployFailed {
		next.Stop, next.Healthy = cmd.Meta.Time, false
	}
	return &DeploymentStatusResult{Changed: true}, tx.Insert(tableDeployments, &next)
}

// acceptsStatus keeps the control plane's intent: while an instance is
// wanted, the agent reports its progress and health; once it is asked to
// stop (and its drain is over), only the way down.
func acceptsStatus(cur *Deployment, st protocol.DeploymentStatus) bool {
	if !validDeployStatus(st.Status, st.SubStatus) {
		return false
	}
	if cur.Desired == DesireRun {
		return st.Status == protocol.DeployDeploying || st.Status == protocol.DeployRunning || st.Status == protocol.DeployFailed
	}
	if cur.Draining() {
		return false
	}
	return st.Status == protocol.DeployUndeploying || st.Status == protocol.DeployUndeployed || st.Status == protocol.DeployFailed
}

// validDeployStatus reports whether sub is one of status's sub-states.
func validDeployStatus(status, sub string) bool {
	subs := map[string][]string{
		protocol.DeployDeploying:   {protocol.SubSendingDeploy, protocol.SubDownloading, protocol.SubStarting},
		protocol.DeployRunning:     {protocol.SubExecuting},
		protocol.DeployUndeploying: {protocol.SubSendingUndeploy, protocol.SubUndeploying},
		protocol.DeployUndeployed:  {protocol.SubUndeployed},
		protocol.DeployFailed:      {protocol.SubExecutionFailed, protocol.SubDeployFailed, protocol.SubUndeployFailed},
	}
	for _, s := range subs[status] {
		if s == sub {
			return true
		}
	}
	return false
}

// DeploymentMetricsRequest stores a deployment's latest metrics.
type DeploymentMetricsRequest struct {
	EngineID string                     `json:"engineId"`
	Metrics  protocol.DeploymentMetrics `json:"metrics"`
}

func applyDeploymentMetrics(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req DeploymentMetricsRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := DeploymentByID(tx.Reader, req.Metrics.DeploymentID)
	if cur == nil || cur.EngineID != req.EngineID || cur.Desired != DesireRun {
		return &DeploymentStatusResult{Stale: true}, nil
	}
	next := *cur
	m := req.Metrics
	next.Metrics, next.MetricsTime = &m, cmd.Meta.Time
	return &DeploymentStatusResult{Changed: true}, tx.Insert(tableDeployments, &next)
}

// DeploymentUndeployRequest stops a task's instances: on one engine, or
// (EngineID empty) on every engine. It cancels the task's rollout.
type DeploymentUndeployRequest struct {
	TaskID        string        `json:"taskId"`
	EngineID      string        `json:"engineId,omitempty"`
	ShutdownDelay time.Duration `json:"shutdownDelay"`
}

// DeploymentUndeployResult lists the engines asked to stop.
type DeploymentUndeployResult struct {
	EngineIDs []string `json:"engineIds"`
}

func applyDeploymentUndeploy(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req DeploymentUndeployRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	t := TaskByID(tx.Reader, req.TaskID)
	if t == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "task %s not found", req.TaskID)
	}
	if !TaskIsService(tx.Reader, t) {
		return nil, cluster.Reject(cluster.CodeInvalid, "task %q runs a job: only route and data-service tasks are deployed", t.Name)
	}
	if err := cancelRollout(tx, t.ID, "cancelled by an undeploy", cmd.Meta.Time); err != nil {
		return nil, err
	}
	out := &DeploymentUndeployResult{EngineIDs: []string{}}
	for _, d := range DeploymentsOfTask(tx.Reader, t.ID) {
		if req.EngineID != "" && d.EngineID != req.EngineID || d.Desired == DesireStop || !d.Active() {
			continue
		}
		if err := drain(tx, d, req.ShutdownDelay, cmd.Meta.Time); err != nil {
			return nil, err
		}
		out.EngineIDs = append(out.EngineIDs, d.EngineID)
	}
	return out, nil
}

// DeploymentReleaseRequest ends a drain: the undeploy request may go.
type DeploymentReleaseRequest struct {
	DeploymentID string `json:"deploymentId"`
}

func applyDeploymentRelease(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req DeploymentReleaseRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	cur := DeploymentByID(tx.Reader, req.DeploymentID)
	if cur == nil || !cur.Draining() {
		return nil, nil
	}
	next := *cur
	next.DrainUntil, next.UpdatedAt = time.Time{}, cmd.Meta.Time
	return nil, tx.Insert(tableDeployments, &next)
}

// taskHasDeployments refuses deleting a task with live instances.
func taskHasDeployments(txn Reader, t *Task) error {
	for _, d := range DeploymentsOfTask(txn, t.ID) {
		if d.Active() {
			return cluster.Reject(cluster.CodeConflict, "task %q is deployed on engine %s (%s); undeploy it first", t.Name, d.EngineID, d.Status)
		}
	}
	return nil
}

// EngineSilentMessage marks the instances of an engine that stopped
// talking: their health is unknown until its agent reports again.
const EngineSilentMessage = "engine not available: health unknown until it reports again"

// unknownHealth shows the instances of an engine that went NOT_AVAILABLE
// as not healthy (status kept: they may well still run), so a load
// balancer following the API stops sending to them and no health gate
// counts on them; the agent's next report restores what is true.
func unknownHealth(tx *cluster.Tx, engineID string, now time.Time) error {
	for _, d := range all[Deployment](tx.Reader, tableDeployments, "engine", engineID) {
		if !d.Healthy {
			continue
		}
		next := *d
		next.Healthy, next.HealthySince, next.Message, next.UpdatedAt = false, time.Time{}, EngineSilentMessage, now
		if err := tx.Insert(tableDeployments, &next); err != nil {
			return err
		}
	}
	return nil
}

// releaseEngineDeployments readies an engine for deletion: refused while
// it runs (or is asked to run or stop) an instance, otherwise its
// records move to the history, so no record names an engine that is gone.
func releaseEngineDeployments(tx *cluster.Tx, e *Engine, now time.Time) error {
	recs := all[Deployment](tx.Reader, tableDeployments, "engine", e.ID)
	for _, d := range recs {
		if d.Active() {
			return cluster.Reject(cluster.CodeConflict, "engine %q runs task %s (%s); undeploy it first", e.Name, d.TaskID, d.Status)
		}
	}
	for _, d := range recs {
		if err := supersede(tx, d, now); err != nil {
			return err
		}
	}
	return nil
}

// WatchDeployments returns every current record and a channel closed
// when any changes (for the deployment watcher).
func WatchDeployments(txn Reader) ([]*Deployment, <-chan struct{}) {
	return watchAll[Deployment](txn, tableDeployments, "id")
}
