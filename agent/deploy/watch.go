package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

// probe is one look at a running instance.
type probe struct {
	ok      bool // the plugin answered
	healthy bool
	failed  bool // the instance ended on its own (a bundle whose process died)
	detail  string
	metrics plugins.Metrics
}

func (in *instance) probe(ctx context.Context) probe {
	if in.bundle != "" {
		b, err := bundleInfo(ctx, in.h, in.bundle)
		if err != nil {
			return probe{detail: err.Error()}
		}
		return probe{ok: true, healthy: b.State == plugins.BundleActive, failed: b.State == plugins.BundleFailed,
			detail: b.Error, metrics: b.Metrics}
	}
	st, err := in.h.Status(ctx)
	if err != nil {
		return probe{detail: err.Error()}
	}
	return probe{ok: true, healthy: st.Healthy, detail: st.Detail, metrics: st.Metrics}
}

// watch follows a running deployment until it is undeployed or the agent
// stops: a health change is reported, the instance's end is FAILED (Task
// execution failed).
func (d *Deployer) watch(dep *deployment, in *instance) {
	ctx, cancel := context.WithCancel(d.ctx)
	done := make(chan struct{})
	d.mu.Lock()
	dep.inst = in
	dep.stopWatch = func() { cancel(); <-done }
	d.mu.Unlock()
	d.wg.Go(func() {
		defer close(done)
		d.watchLoop(ctx, dep, in)
	})
}

func (d *Deployer) watchLoop(ctx context.Context, dep *deployment, in *instance) {
	t := time.NewTicker(d.cfg.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-in.h.Done():
			res, err := in.h.Wait(ctx)
			if err != nil {
				return
			}
			what := "the service"
			if in.bundle != "" {
				what = "the runtime container"
			}
			d.fail(dep, protocol.SubExecutionFailed, fmt.Errorf("%s ended: %s", what, describeEnd(res)))
			d.release(in.h.ID())
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, d.cfg.HealthInterval)
		p := in.probe(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if p.failed {
			d.fail(dep, protocol.SubExecutionFailed, fmt.Errorf("bundle %s ended: %s", in.bundle, p.detail))
			return
		}
		d.mu.Lock()
		changed := dep.rec.Status.Healthy != p.healthy
		d.mu.Unlock()
		if changed {
			msg := ""
			if !p.healthy {
				msg = "health check failing: " + p.detail
			}
			d.update(dep, protocol.DeployRunning, protocol.SubExecuting, msg, p.healthy)
		}
	}
}

func describeEnd(res runtime.Result) string {
	s := fmt.Sprintf("%s, exit code %d", res.Status, res.ExitCode)
	if res.Signal != "" {
		s += ", signal " + res.Signal
	}
	if res.Error != "" {
		s += ": " + res.Error
	}
	return s
}

// stopWatching ends a deployment's watcher, if any, and waits for it.
func (d *Deployer) stopWatching(dep *deployment) {
	d.mu.Lock()
	stop := dep.stopWatch
	dep.stopWatch, dep.inst = nil, nil
	d.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// stopInstance stops what runs of a deployment and removes it: the
// service's workload (its port is free once this returns) or the bundle
// (the runtime container stays). Nothing running is fine.
func (d *Deployer) stopInstance(dep *deployment) error {
	d.stopWatching(dep)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(d.ctx), d.cfg.UndeployTimeout)
	defer cancel()
	d.mu.Lock()
	rec := dep.rec
	d.mu.Unlock()
	if rec.BinaryType == artifact.BinaryRuntime {
		if rec.Bundle == "" {
			return nil
		}
		h, err := d.sup.Get(containerWorkloadID)
		if err != nil || h.Info().State == runtime.StateExited {
			return nil // no container, no bundle
		}
		c, err := h.Container()
		if err != nil {
			return nil
		}
		return d.removeBundle(ctx, c, rec.Bundle)
	}
	if _, err := d.sup.Stop(ctx, rec.WorkloadID); err != nil {
		if errors.Is(err, runtime.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("stopping the service: %w", err)
	}
	if err := d.sup.Release(rec.WorkloadID); err != nil && !errors.Is(err, runtime.ErrNotFound) {
		return fmt.Errorf("removing the service: %w", err)
	}
	return nil
}

// runUndeploy undeploys (in its task's queue). An unknown deployment is
// answered UNDEPLOYED.
func (d *Deployer) runUndeploy(m *protocol.Undeploy) {
	d.mu.Lock()
	dep := d.byID[m.DeploymentID]
	d.mu.Unlock()
	if dep == nil {
		d.send(&protocol.DeploymentStatus{DeploymentID: m.DeploymentID, TaskID: m.TaskID, Status: protocol.DeployUndeployed,
			SubStatus: protocol.SubUndeployed, Time: time.Now().UTC()})
		return
	}
	_ = d.undeployDep(dep) // reported
}

func (d *Deployer) undeployDep(dep *deployment) error {
	d.stopWatching(dep) // first: a health report must not follow UNDEPLOYING
	d.update(dep, protocol.DeployUndeploying, protocol.SubUndeploying, "", false)
	if err := d.stopInstance(dep); err != nil {
		d.fail(dep, protocol.SubUndeployFailed, err)
		return err
	}
	d.update(dep, protocol.DeployUndeployed, protocol.SubUndeployed, "", false)
	return nil
}
