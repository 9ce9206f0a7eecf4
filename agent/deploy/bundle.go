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

// containerWorkloadID is the engine's one runtime container.
const containerWorkloadID = "runtime-container"

// container returns the running runtime container, starting it first
// (on port, or 8040 when 0) when there is none.
func (d *Deployer) container(ctx context.Context, port int) (*runtime.Handle, error) {
	d.containerMu.Lock()
	defer d.containerMu.Unlock()
	if h, err := d.sup.Get(containerWorkloadID); err == nil {
		if h.Info().State != runtime.StateExited {
			return h, nil
		}
		d.release(containerWorkloadID)
	}
	h, err := d.sup.StartContainer(d.ctx, runtime.Spec{ID: containerWorkloadID, Name: "runtime", Port: port})
	if err != nil {
		return nil, fmt.Errorf("the runtime container could not start: %w", err)
	}
	if err := h.WaitHealthy(ctx); err != nil {
		d.discard(containerWorkloadID)
		return nil, fmt.Errorf("the runtime container did not become healthy: %w", err)
	}
	return h, nil
}

// startBundle installs and starts the artifact as a bundle of the runtime
// container; the bundle's start waits for its health path.
func (d *Deployer) startBundle(ctx context.Context, dep *deployment, dir string, man artifact.Manifest) (*instance, error) {
	m := &dep.rec.Deploy
	if owner := d.bundleOwner(man.Name, m.TaskID); owner != "" {
		return nil, fmt.Errorf("artifact %s already runs in the runtime container for task %s: the same artifact runs at most once per runtime", man.Name, owner)
	}
	h, err := d.container(ctx, m.Port)
	if err != nil {
		return nil, err
	}
	c, err := h.Container()
	if err != nil {
		return nil, fmt.Errorf("the runtime container: %w", err)
	}
	spec := serviceSpec(dep.rec.WorkloadID, m, dir, man)
	cmd, err := bundleCommand(dir, spec.Entrypoint, spec.Parameters)
	if err != nil {
		return nil, err
	}
	bs := plugins.BundleSpec{Name: man.Name, Version: man.Version, ArtifactDir: dir, Command: cmd, Env: spec.Parameters, HealthPath: spec.HealthPath}
	d.removeBundle(ctx, c, man.Name) // left by a failed attempt of this task
	if _, err := c.Bundle(ctx, plugins.BundleOp{Op: plugins.OpInstall, Spec: bs}); err != nil {
		return nil, fmt.Errorf("installing the bundle: %w", err)
	}
	if _, err := c.Bundle(ctx, plugins.BundleOp{Op: plugins.OpStart, Name: man.Name}); err != nil {
		d.removeBundle(context.WithoutCancel(ctx), c, man.Name)
		return nil, fmt.Errorf("starting the bundle: %w", err)
	}
	d.mu.Lock()
	dep.rec.Bundle = man.Name
	d.mu.Unlock()
	return &instance{h: h, bundle: man.Name, port: h.Info().Port}, nil
}

// bundleOwner is the other task whose deployment has bundle name, if any.
func (d *Deployer) bundleOwner(name, task string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	for t, dep := range d.byTask {
		if t != task && dep.rec.Bundle == name && live(dep.rec.Status.Status) {
			return t
		}
	}
	return ""
}

func live(status string) bool {
	return status == protocol.DeployRunning || status == protocol.DeployDeploying || status == protocol.DeployUndeploying
}

// removeBundle stops and uninstalls a bundle; one that is not installed
// is fine.
func (d *Deployer) removeBundle(ctx context.Context, c plugins.Container, name string) error {
	list, err := c.Bundles(ctx)
	if err != nil {
		return fmt.Errorf("listing bundles: %w", err)
	}
	for _, b := range list {
		if b.Name != name {
			continue
		}
		if _, err := c.Bundle(ctx, plugins.BundleOp{Op: plugins.OpUninstall, Name: name}); err != nil {
			return fmt.Errorf("uninstalling bundle %s: %w", name, err)
		}
	}
	return nil
}

// bundleInfo finds a bundle in the container.
func bundleInfo(ctx context.Context, h *runtime.Handle, name string) (plugins.BundleInfo, error) {
	c, err := h.Container()
	if err != nil {
		return plugins.BundleInfo{}, err
	}
	list, err := c.Bundles(ctx)
	if err != nil {
		return plugins.BundleInfo{}, err
	}
	for _, b := range list {
		if b.Name == name {
			return b, nil
		}
	}
	return plugins.BundleInfo{}, errors.New("bundle " + name + " is not installed")
}
