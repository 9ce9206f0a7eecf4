package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/agent/artifacts"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

// run deploys one Deploy (in its task's queue): the task's earlier
// instance goes first, then download, start and the health wait, each
// step reported with Talend's deployment sub-states.
func (d *Deployer) run(dep *deployment) {
	m := &dep.rec.Deploy
	if err := validateDeploy(m); err != nil {
		d.fail(dep, protocol.SubDeployFailed, err)
		return
	}
	if err := d.replace(dep); err != nil {
		d.fail(dep, protocol.SubDeployFailed, err)
		return
	}
	d.update(dep, protocol.DeployDeploying, protocol.SubDownloading, "", false)
	dir, man, err := d.fetcher.Fetch(m.Artifact)
	if err != nil {
		d.fail(dep, protocol.SubDeployFailed, fmt.Errorf("artifact %s %s could not be downloaded: %w", m.Artifact.Name, m.Artifact.Version, err))
		return
	}
	binary, err := binaryTypeOf(m, man)
	if err != nil {
		d.fail(dep, protocol.SubDeployFailed, err)
		return
	}
	d.mu.Lock()
	dep.rec.BinaryType, dep.rec.ArtifactType = binary, man.Type
	dep.rec.Status.ArtifactVersion = man.Version
	d.mu.Unlock()
	// Saved before the start: an agent killed while starting finds the
	// workload under its deployment.
	d.update(dep, protocol.DeployDeploying, protocol.SubStarting, "", false)
	inst, err := d.start(dep, dir, man)
	if err != nil {
		d.fail(dep, protocol.SubDeployFailed, err)
		return
	}
	d.mu.Lock()
	dep.rec.Status.Port = inst.port
	d.mu.Unlock()
	d.update(dep, protocol.DeployRunning, protocol.SubExecuting, "", true)
	d.watch(dep, inst)
}

// binaryTypeOf checks that the artifact is a service of the binary type
// asked for.
func binaryTypeOf(m *protocol.Deploy, man artifact.Manifest) (string, error) {
	if !man.IsService() {
		return "", fmt.Errorf("artifact %s %s is a %s, not a route or data service: it cannot be deployed", man.Name, man.Version, man.Type)
	}
	binary := m.BinaryType
	if binary == "" {
		binary = man.BinaryType
	}
	if man.BinaryType != "" && binary != man.BinaryType {
		return "", fmt.Errorf("artifact %s %s is built for binary type %s, not %s", man.Name, man.Version, man.BinaryType, binary)
	}
	return binary, nil
}

// replace makes dep the task's deployment, stopping the instance of the
// one before it (reported UNDEPLOYED) first.
func (d *Deployer) replace(dep *deployment) error {
	task := dep.rec.Deploy.TaskID
	d.mu.Lock()
	old := d.byTask[task]
	d.mu.Unlock()
	if old != nil && old != dep {
		d.mu.Lock()
		running := live(old.rec.Status.Status)
		d.mu.Unlock()
		if running {
			// Reported as an undeploy, so the old record ends UNDEPLOYED.
			if err := d.undeployDep(old); err != nil {
				return fmt.Errorf("the task's running deployment %s could not be stopped: %w", old.rec.Deploy.DeploymentID, err)
			}
		} else if err := d.stopInstance(old); err != nil {
			return fmt.Errorf("what is left of the task's deployment %s could not be removed: %w", old.rec.Deploy.DeploymentID, err)
		}
		d.forget(old)
	}
	d.mu.Lock()
	d.byTask[task] = dep
	d.mu.Unlock()
	return nil
}

// forget drops a replaced deployment.
func (d *Deployer) forget(dep *deployment) {
	id := dep.rec.Deploy.DeploymentID
	d.mu.Lock()
	if d.byID[id] == dep {
		delete(d.byID, id)
	}
	d.mu.Unlock()
	if err := d.ledger.remove(id); err != nil {
		d.log.Warn("forgetting a replaced deployment failed", "deployment", id, "err", err)
	}
}

// instance is a started, healthy service: its workload and, for a
// bundle, its name in the runtime container.
type instance struct {
	h      *runtime.Handle
	bundle string
	port   int
}

// start starts the service and waits until it is healthy; on failure
// nothing of it is left.
func (d *Deployer) start(dep *deployment, dir string, man artifact.Manifest) (*instance, error) {
	m := &dep.rec.Deploy
	timeout := m.HealthTimeout()
	if timeout <= 0 {
		timeout = d.cfg.HealthTimeout
	}
	ctx, cancel := context.WithTimeout(d.ctx, timeout)
	defer cancel()
	if dep.rec.BinaryType == artifact.BinaryRuntime {
		return d.startBundle(ctx, dep, dir, man)
	}
	return d.startService(ctx, dep, dir, man, timeout)
}

func (d *Deployer) startService(ctx context.Context, dep *deployment, dir string, man artifact.Manifest, timeout time.Duration) (*instance, error) {
	m := &dep.rec.Deploy
	d.release(dep.rec.WorkloadID) // what a failed earlier attempt left
	spec := serviceSpec(dep.rec.WorkloadID, m, dir, man)
	h, err := d.sup.StartService(d.ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("the service could not start: %w", err)
	}
	if err := h.WaitHealthy(ctx); err != nil {
		if d.ctx.Err() != nil {
			return nil, d.ctx.Err() // the agent stops; the service runs on for the next one
		}
		d.discard(dep.rec.WorkloadID)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("the service was not healthy within %s: %w", timeout, err)
		}
		return nil, fmt.Errorf("the service did not become healthy: %w", err)
	}
	return &instance{h: h, port: h.Info().Port}, nil
}

func serviceSpec(id string, m *protocol.Deploy, dir string, man artifact.Manifest) runtime.Spec {
	params, entry := artifacts.LaunchInputs(man, m.Parameters, m.Entrypoint)
	health := m.HealthPath
	if health == "" {
		health = man.HealthPath
	}
	return runtime.Spec{ID: id, Name: man.Name, Version: man.Version, ArtifactDir: dir, Entrypoint: entry,
		EntrypointIsPlugin: man.Runner == artifact.RunnerPlugin, Parameters: params, RunAs: m.RunAs,
		Port: m.Port, HealthPath: health,
		Limits: runtime.Limits{CPUMillis: m.Limits.CPUMillis, MemoryMB: m.Limits.MemoryMB,
			MaxProcesses: m.Limits.MaxProcesses, MaxOpenFiles: m.Limits.MaxOpenFiles}}
}

// discard stops a workload that must not stay and forgets it.
func (d *Deployer) discard(id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(d.ctx), d.cfg.UndeployTimeout)
	defer cancel()
	if _, err := d.sup.Stop(ctx, id); err != nil && !errors.Is(err, runtime.ErrNotFound) {
		d.log.Warn("stopping a failed service", "workload", id, "err", err)
	}
	d.release(id)
}

// release forgets a finished workload, if there is one.
func (d *Deployer) release(id string) {
	if err := d.sup.Release(id); err != nil && !errors.Is(err, runtime.ErrNotFound) {
		d.log.Warn("releasing a service's workload", "workload", id, "err", err)
	}
}

// bundleCommand resolves a bundle's entrypoint as the runtime does for
// services: "./x" is a file of the artifact, "${NAME}" a parameter.
func bundleCommand(dir string, entry []string, params map[string]string) ([]string, error) {
	if len(entry) == 0 {
		return nil, errors.New("the artifact has no entrypoint")
	}
	cmd := make([]string, len(entry))
	for i, arg := range entry {
		cmd[i] = os.Expand(arg, func(k string) string { return params[k] })
	}
	if rel, ok := strings.CutPrefix(cmd[0], "./"); ok {
		cmd[0] = filepath.Join(dir, filepath.FromSlash(rel))
	}
	return cmd, nil
}
