package deployments

import (
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// DeployMessage is the request an engine gets for a deployment record:
// the artifact by digest, the command, the task's parameters over the
// artifact's, the run profile's limits, port, health and metric paths.
// It returns nil when the task or its artifact version is gone.
func DeployMessage(txn state.Reader, d *state.Deployment) *protocol.Deploy {
	t := state.TaskByID(txn, d.TaskID)
	if t == nil || t.RunConfig == nil {
		return nil
	}
	v := state.ArtifactVersionOf(txn, t.ArtifactID, d.ArtifactVersion)
	if v == nil {
		return nil
	}
	rc := t.RunConfig
	m := &protocol.Deploy{DeploymentID: d.DeploymentID, TaskID: t.ID, TaskName: t.Name,
		Artifact:   protocol.ArtifactRef{Digest: v.Digest, Size: v.Size, Version: v.Version},
		BinaryType: v.BinaryType, Entrypoint: v.Entrypoint, Parameters: map[string]string{},
		RunAs: rc.RemoteRunAsUser, Port: d.CustomPort, HealthPath: v.HealthPath,
		HealthTimeoutMillis: healthTimeout(rc).Milliseconds()}
	if a := state.ArtifactByID(txn, t.ArtifactID); a != nil {
		m.Artifact.Name = a.Name
	}
	for k, val := range v.Parameters {
		m.Parameters[k] = val
	}
	for k, val := range t.Parameters {
		m.Parameters[k] = val
	}
	if rc.MetricPath != nil {
		m.MetricPath = *rc.MetricPath
	}
	if m.HealthPath == "" {
		m.HealthPath = "/health"
	}
	if p := runProfile(txn, rc, d.EngineID, v.BinaryType); p != nil {
		l := p.Limits
		m.Limits = protocol.Limits{CPUMillis: l.CPUMillis, MemoryMB: l.MemoryMB, MaxProcesses: l.MaxProcesses, MaxOpenFiles: l.MaxOpenFiles}
	}
	return m
}

// healthTimeout leaves the engine time to report a failed health check
// (with its reason) before the step's progress deadline passes. The step's
// clock starts before the old instance's shutdown delay, its stop and the
// download, and the engine's only once the new instance starts, so those
// (a margin of a tenth of the deadline, at least 2 s, for stop and
// download) and the health gate come off the deadline.
func healthTimeout(rc *state.RunConfig) time.Duration {
	deadline := time.Duration(rc.ProgressDeadlineSeconds) * time.Second
	margin := max(2*time.Second, deadline/10)
	shutdown := state.DefaultShutdownDelaySeconds
	if rc.ShutdownDelaySeconds != nil {
		shutdown = *rc.ShutdownDelaySeconds
	}
	spent := time.Duration(rc.MinHealthySeconds+shutdown)*time.Second + margin
	return max(time.Second, deadline-spent)
}

// runProfile is the run config's profile, else the service profile of the
// engine's cluster or of the engine.
func runProfile(txn state.Reader, rc *state.RunConfig, engineID, binary string) *state.RunProfile {
	if rc.Runtime.RunProfileID != "" {
		return state.RunProfileByID(txn, rc.Runtime.RunProfileID)
	}
	want := state.RunProfileMicroservice
	if binary == state.BinaryRuntime {
		want = state.RunProfileTalendRuntime
	}
	for _, owner := range []string{rc.Runtime.ID, engineID} {
		for _, p := range state.RunProfilesOf(txn, owner) {
			if p.Type == want {
				return p
			}
		}
	}
	return nil
}
