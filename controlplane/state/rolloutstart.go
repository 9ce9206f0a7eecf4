package state

import (
	"sort"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/protocol"
)

// RolloutStartRequest deploys a service task's version on its engine, on
// every engine of its cluster, or (EngineID) on one engine of the cluster.
// The preconditions are Talend's and are checked here, on the state.
type RolloutStartRequest struct {
	RolloutID string `json:"rolloutId"`
	TaskID    string `json:"taskId"`
	EngineID  string `json:"engineId,omitempty"`
}

func applyRolloutStart(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req RolloutStartRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	t, rc, v, err := deployableTask(tx.Reader, req.TaskID)
	if err != nil {
		return nil, err
	}
	engines, err := deployTargets(tx.Reader, rc.Runtime, req.EngineID)
	if err != nil {
		return nil, err
	}
	if err := checkDeployEngines(tx.Reader, rc, v, engines); err != nil {
		return nil, err
	}
	if r := ActiveRolloutOf(tx.Reader, t.ID); r != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "task %q is being deployed already (version %s, step %d of %d); wait for it or undeploy",
			t.Name, r.Version(), r.Batch+1, r.Batches())
	}
	if err := checkSingleNode(tx.Reader, t, rc, engines); err != nil {
		return nil, err
	}
	port := 0
	if rc.Port != nil && rc.Port.Type == PortCustom {
		port = rc.Port.Value
		if err := checkPortFree(tx.Reader, t, engines, port); err != nil {
			return nil, err
		}
	}
	r := &Rollout{ID: req.RolloutID, TaskID: t.ID, Strategy: rc.DeploymentStrategy, TargetVersion: v.Version,
		PreviousVersion: runningVersion(tx.Reader, t.ID, engines, v.Version), Engines: ids(engines), Phase: PhaseForward,
		StepStarted: cmd.Meta.Time, Status: RolloutInProgress, Rollback: rc.Rollback,
		MinHealthy: seconds(rc.MinHealthySeconds), Deadline: seconds(rc.ProgressDeadlineSeconds), CustomPort: port,
		CreatedBy: cmd.Meta.ActorName, CreatedAt: cmd.Meta.Time, UpdatedAt: cmd.Meta.Time}
	if rc.ShutdownDelaySeconds != nil {
		r.ShutdownDelay = seconds(*rc.ShutdownDelaySeconds)
	}
	if r.CreatedBy == "" {
		r.CreatedBy = cmd.Meta.ActorID
	}
	if err := pruneRollouts(tx, t.ID); err != nil {
		return nil, err
	}
	return r, tx.Insert(tableRollouts, r)
}

// MaxFinishedRollouts is how many ended rollouts a task keeps.
const MaxFinishedRollouts = 20

func pruneRollouts(tx *cluster.Tx, taskID string) error {
	list := RolloutsOfTask(tx.Reader, taskID)
	if len(list) < MaxFinishedRollouts {
		return nil
	}
	sort.Slice(list, func(i, j int) bool { return list[i].CreatedAt.Before(list[j].CreatedAt) })
	for _, r := range list[:len(list)-MaxFinishedRollouts+1] {
		if r.Status != RolloutInProgress {
			if err := tx.Delete(tableRollouts, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

func ids(engines []*Engine) []string {
	out := make([]string, len(engines))
	for i, e := range engines {
		out[i] = e.ID
	}
	return out
}

// deployableTask returns a service task with its run config and version.
func deployableTask(txn Reader, taskID string) (*Task, *RunConfig, *ArtifactVersion, error) {
	t := TaskByID(txn, taskID)
	if t == nil {
		return nil, nil, nil, cluster.Reject(cluster.CodeNotFound, "task %s not found", taskID)
	}
	if !TaskIsService(txn, t) {
		return nil, nil, nil, cluster.Reject(cluster.CodeInvalid, "task %q runs a job: only route and data-service tasks are deployed; run it instead", t.Name)
	}
	if t.RunConfig == nil {
		return nil, nil, nil, cluster.Reject(cluster.CodePrecondition, "task %q has no run config; set its engine with PUT /orchestration/executables/tasks/%s/run-config", t.Name, t.ID)
	}
	v := ArtifactVersionOf(txn, t.ArtifactID, t.ArtifactVersion)
	if v == nil {
		return nil, nil, nil, cluster.Reject(cluster.CodePrecondition, "the artifact version of task %q no longer exists", t.Name)
	}
	return t, t.RunConfig, v, nil
}

// deployTargets lists the engines a deploy goes to, in rollout order.
func deployTargets(txn Reader, rt Runtime, engineID string) ([]*Engine, error) {
	if rt.Type == RuntimeEngine {
		e := EngineByID(txn, rt.ID)
		if e == nil {
			return nil, cluster.Reject(cluster.CodeNotFound, "engine %s not found", rt.ID)
		}
		if engineID != "" && engineID != e.ID {
			return nil, cluster.Reject(cluster.CodeInvalid, "the task runs on engine %q, not on %s", e.Name, engineID)
		}
		return []*Engine{e}, nil
	}
	c := EngineClusterByID(txn, rt.ID)
	if c == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "engine cluster %s not found", rt.ID)
	}
	engines := EnginesInCluster(txn, c.ID)
	if len(engines) == 0 {
		return nil, cluster.Reject(cluster.CodePrecondition, "engine cluster %q has no engine", c.Name)
	}
	sort.Slice(engines, func(i, j int) bool { return engines[i].Name < engines[j].Name })
	if engineID == "" {
		return engines, nil
	}
	for _, e := range engines {
		if e.ID == engineID {
			return []*Engine{e}, nil
		}
	}
	return nil, cluster.Reject(cluster.CodeInvalid, "engine %s is not in engine cluster %q", engineID, c.Name)
}

// checkDeployEngines applies Talend's rules: the engine is paired and
// available; for a cluster every engine is, and all run one agent
// version; the run profile for the binary type exists.
func checkDeployEngines(txn Reader, rc *RunConfig, v *ArtifactVersion, targets []*Engine) error {
	all := targets
	if rc.Runtime.Type == RuntimeEngineCluster {
		all = EnginesInCluster(txn, rc.Runtime.ID)
	}
	versions := map[string][]string{}
	for _, e := range all {
		if e.Kind == EngineKindRemoteGen2 {
			return cluster.Reject(cluster.CodePrecondition, "engine %q is a %s: routes and data services deploy to Remote Engines only", e.Name, e.Kind)
		}
		if e.Status != EnginePaired {
			return cluster.Reject(cluster.CodePrecondition, "engine %q is %s: pair it before deploying", e.Name, e.Status)
		}
		if e.Availability != EngineAvailable {
			return cluster.Reject(cluster.CodePrecondition, "engine %q is %s: it must be available to deploy", e.Name, e.Availability)
		}
		versions[e.Host.EngineVersion] = append(versions[e.Host.EngineVersion], e.Name)
	}
	if len(versions) > 1 {
		var parts []string
		for ver, names := range versions {
			parts = append(parts, strings.Join(names, ", ")+" at "+orUnknown(ver))
		}
		sort.Strings(parts)
		return cluster.Reject(cluster.CodePrecondition, "the engines of the cluster must all run one agent version: %s", strings.Join(parts, "; "))
	}
	return checkRunProfile(txn, rc, v, all)
}

func orUnknown(v string) string {
	if v == "" {
		return "an unknown version"
	}
	return v
}

// checkRunProfile requires a MICROSERVICE run profile for microservices
// and a TALEND_RUNTIME one for runtime bundles, on the engine or cluster
// (or on every engine of the cluster).
func checkRunProfile(txn Reader, rc *RunConfig, v *ArtifactVersion, engines []*Engine) error {
	want := RunProfileMicroservice
	if v.BinaryType == BinaryRuntime {
		want = RunProfileTalendRuntime
	}
	if id := rc.Runtime.RunProfileID; id != "" {
		if p := RunProfileByID(txn, id); p == nil || p.Type != want {
			return cluster.Reject(cluster.CodePrecondition, "run profile %s of the run config is not a %s profile", id, want)
		}
	}
	has := func(runtimeID string) bool {
		for _, p := range RunProfilesOf(txn, runtimeID) {
			if p.Type == want {
				return true
			}
		}
		return false
	}
	if has(rc.Runtime.ID) {
		return nil
	}
	for _, e := range engines {
		if !has(e.ID) {
			return cluster.Reject(cluster.CodePrecondition, "engine %q has no %s run profile, which %s binaries need", e.Name, want, orBinary(v.BinaryType))
		}
	}
	return nil
}

func orBinary(b string) string {
	if b == "" {
		return BinaryMicroservice
	}
	return b
}

// checkSingleNode: on a single engine a new deploy needs an undeploy first
// (as Talend Management Console does).
func checkSingleNode(txn Reader, t *Task, rc *RunConfig, engines []*Engine) error {
	if rc.DeploymentStrategy != StrategySingleNode {
		return nil
	}
	for _, e := range engines {
		if d := DeploymentOf(txn, t.ID, e.ID); d != nil && d.Active() && d.Status != protocol.DeployFailed {
			return cluster.Reject(cluster.CodeConflict, "task %q is %s on engine %q (version %s); undeploy it before deploying again",
				t.Name, d.Status, e.Name, d.ArtifactVersion)
		}
	}
	return nil
}

// checkPortFree refuses a custom port another task's instance holds on
// one of the engines.
func checkPortFree(txn Reader, t *Task, engines []*Engine, port int) error {
	for _, e := range engines {
		list, _ := WatchEngineDeployments(txn, e.ID)
		for _, d := range list {
			if d.TaskID != t.ID && d.Active() && (d.CustomPort == port || d.Port == port) {
				other := d.TaskID
				if o := TaskByID(txn, d.TaskID); o != nil {
					other = o.Name
				}
				return cluster.Reject(cluster.CodeConflict, "port %d is taken on engine %q by task %q", port, e.Name, other)
			}
		}
	}
	return nil
}

// runningVersion is the version the engines run now, other than target:
// what a rollback goes back to.
func runningVersion(txn Reader, taskID string, engines []*Engine, target string) string {
	for _, e := range engines {
		if d := DeploymentOf(txn, taskID, e.ID); d != nil && d.Desired == DesireRun && d.Status == protocol.DeployRunning && d.ArtifactVersion != target {
			return d.ArtifactVersion
		}
	}
	return ""
}
