package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

// resume takes over the deployments an earlier agent recorded, before
// the first session: services the runtime reattached are theirs again
// and still RUNNING; ones that died meanwhile are FAILED (Task execution
// failed). A deployment caught mid-way is finished in its task's queue.
func (d *Deployer) resume(recs []deployRecord) {
	for _, rec := range recs {
		dep := &deployment{rec: rec}
		d.byID[rec.Deploy.DeploymentID] = dep
		task := rec.Deploy.TaskID
		cur := d.byTask[task]
		if cur == nil || cur.rec.Status.Time.Before(rec.Status.Time) {
			d.byTask[task], cur, dep = dep, dep, cur
		}
		if dep != nil && dep != cur {
			// Two records of one task (a crash mid-replace): the older
			// one's instance was stopped before the newer was recorded.
			d.forget(dep)
		}
	}
	current := make([]*deployment, 0, len(d.byTask))
	for _, dep := range d.byTask {
		current = append(current, dep)
	}
	for _, dep := range current {
		task := dep.rec.Deploy.TaskID
		switch dep.rec.Status.Status {
		case protocol.DeployRunning:
			d.resumeRunning(dep)
		case protocol.DeployDeploying:
			d.enqueue(task, func() { d.resumeDeploying(dep) })
		case protocol.DeployUndeploying:
			d.enqueue(task, func() { _ = d.undeployDep(dep) })
		}
	}
}

// reattach finds a deployment's instance in the runtime, if it still runs.
func (d *Deployer) reattach(dep *deployment) (*instance, error) {
	rec := dep.rec
	if rec.BinaryType == artifact.BinaryRuntime {
		h, err := d.sup.Get(containerWorkloadID)
		if err != nil || h.Info().State == runtime.StateExited {
			return nil, errors.New("the runtime container is gone")
		}
		ctx, cancel := context.WithTimeout(d.ctx, d.cfg.HealthInterval)
		defer cancel()
		b, err := bundleInfo(ctx, h, rec.Bundle)
		if err != nil {
			return nil, err
		}
		if b.State == plugins.BundleFailed || b.State == plugins.BundleUninstalled {
			return nil, fmt.Errorf("bundle %s is %s: %s", b.Name, b.State, b.Error)
		}
		return &instance{h: h, bundle: rec.Bundle, port: h.Info().Port}, nil
	}
	h, err := d.sup.Get(rec.WorkloadID)
	if err != nil {
		return nil, errors.New("the runtime has no such service")
	}
	if info := h.Info(); info.State == runtime.StateExited {
		msg := "it ended"
		if info.Result != nil {
			msg = describeEnd(*info.Result)
		}
		return nil, errors.New(msg)
	}
	return &instance{h: h, port: h.Info().Port}, nil
}

func (d *Deployer) resumeRunning(dep *deployment) {
	in, err := d.reattach(dep)
	if err != nil {
		d.fail(dep, protocol.SubExecutionFailed, fmt.Errorf("the service ended while the engine was down: %w", err))
		d.release(dep.rec.WorkloadID)
		return
	}
	d.mu.Lock()
	dep.rec.Status.Port = in.port
	d.mu.Unlock()
	d.log.Info("deployment reattached", "deployment", dep.rec.Deploy.DeploymentID, "task", dep.rec.Deploy.TaskID, "port", in.port)
	d.watch(dep, in)
}

// resumeDeploying finishes a deployment the earlier agent was starting:
// running and healthy within its timeout is RUNNING, anything else
// FAILED (Deploy failed) with nothing left.
func (d *Deployer) resumeDeploying(dep *deployment) {
	in, err := d.reattach(dep)
	if err == nil {
		timeout := dep.rec.Deploy.HealthTimeout()
		if timeout <= 0 {
			timeout = d.cfg.HealthTimeout
		}
		ctx, cancel := context.WithTimeout(d.ctx, timeout)
		err = waitInstanceHealthy(ctx, in, d.cfg.HealthInterval)
		cancel()
	}
	if d.ctx.Err() != nil {
		return
	}
	if err != nil {
		_ = d.stopInstance(dep)
		d.fail(dep, protocol.SubDeployFailed, fmt.Errorf("the engine restarted while deploying: %w", err))
		return
	}
	d.mu.Lock()
	dep.rec.Status.Port = in.port
	d.mu.Unlock()
	d.update(dep, protocol.DeployRunning, protocol.SubExecuting, "", true)
	d.watch(dep, in)
}
