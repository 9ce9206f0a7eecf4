package container

import (
	"context"
	"fmt"

	"github.com/roundhouse/roundhouse/plugins"
)

// Bundle implements plugins.Container.
func (r *Runtime) Bundle(ctx context.Context, op plugins.BundleOp) (plugins.BundleInfo, error) {
	switch op.Op {
	case plugins.OpInstall:
		return r.install(op.Spec)
	case plugins.OpStart:
		return r.withBundle(op.Name, func(b *bundle) error { return r.startBundle(ctx, b) })
	case plugins.OpStop:
		return r.withBundle(op.Name, func(b *bundle) error { r.stopBundle(b); return nil })
	case plugins.OpUpdate:
		return r.withBundle(op.Spec.Name, func(b *bundle) error { return r.updateBundle(ctx, b, op.Spec) })
	case plugins.OpUninstall:
		return r.uninstall(op.Name)
	default:
		return plugins.BundleInfo{}, fmt.Errorf("unknown bundle operation %q", op.Op)
	}
}

func (r *Runtime) install(spec plugins.BundleSpec) (plugins.BundleInfo, error) {
	if err := validateSpec(spec); err != nil {
		return plugins.BundleInfo{}, fmt.Errorf("install bundle: %w", err)
	}
	r.mu.Lock()
	if old, ok := r.bundles[spec.Name]; ok {
		r.mu.Unlock()
		// The same artifact at most once per runtime, whatever the version.
		return old.info(), fmt.Errorf("install bundle %s: already installed (version %s); update it instead", spec.Name, old.currentSpec().Version)
	}
	b := &bundle{spec: spec, state: plugins.BundleInstalled}
	r.bundles[spec.Name] = b
	r.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := resolve(spec); err != nil {
		b.set(plugins.BundleInstalled, err.Error())
	} else {
		b.set(plugins.BundleResolved, "")
	}
	r.logf("bundle %s %s installed", spec.Name, spec.Version)
	return b.info(), r.persist()
}

func (r *Runtime) withBundle(name string, fn func(*bundle) error) (plugins.BundleInfo, error) {
	r.mu.Lock()
	b := r.bundles[name]
	r.mu.Unlock()
	if b == nil {
		return plugins.BundleInfo{}, fmt.Errorf("bundle %q is not installed", name)
	}
	b.mu.Lock()
	err := fn(b)
	b.mu.Unlock()
	if perr := r.persist(); err == nil {
		err = perr
	}
	return b.info(), err
}

func (r *Runtime) sink(name string) func(stream, text string, truncated bool) {
	return func(_, text string, truncated bool) { r.logs.Append("bundle/"+name, text, truncated) }
}

// startBundle: RESOLVED → STARTING → ACTIVE (or FAILED). Caller holds b.mu.
func (r *Runtime) startBundle(ctx context.Context, b *bundle) error {
	if b.active.Load() != nil {
		return nil
	}
	spec := b.currentSpec()
	if err := resolve(spec); err != nil {
		b.set(plugins.BundleInstalled, err.Error())
		return err
	}
	b.set(plugins.BundleStarting, "")
	in, err := r.launch(ctx, spec)
	if err != nil {
		b.set(plugins.BundleFailed, err.Error())
		return err
	}
	b.active.Store(in)
	b.set(plugins.BundleActive, "")
	go r.watch(b, in)
	r.logf("bundle %s %s active", spec.Name, spec.Version)
	return nil
}

// launch starts an instance and waits for it to be healthy.
func (r *Runtime) launch(ctx context.Context, spec plugins.BundleSpec) (*instance, error) {
	r.mu.Lock()
	dir := r.workDir
	r.mu.Unlock()
	in, err := startInstance(spec, dir, r.sink(spec.Name))
	if err != nil {
		return nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	path := spec.HealthPath
	if path == "" {
		path = "/health"
	}
	if err := in.waitHealthy(hctx, r.client, path); err != nil {
		in.proc.Stop(0)
		return nil, fmt.Errorf("bundle %s %s: %w", spec.Name, spec.Version, err)
	}
	return in, nil
}

// watch marks the bundle FAILED if its active instance dies on its own.
func (r *Runtime) watch(b *bundle, in *instance) {
	<-in.proc.Done()
	if b.active.CompareAndSwap(in, nil) {
		o := in.proc.Outcome()
		b.set(plugins.BundleFailed, fmt.Sprintf("process exited (exit %d %s)", o.ExitCode, o.Signal))
		r.logf("bundle %s failed: process exited", b.currentSpec().Name)
	}
}

// stopBundle: ACTIVE → STOPPING → RESOLVED. Caller holds b.mu.
func (r *Runtime) stopBundle(b *bundle) {
	in := b.active.Swap(nil)
	if in == nil {
		if b.info().State != plugins.BundleInstalled {
			b.set(plugins.BundleResolved, "")
		}
		return
	}
	b.set(plugins.BundleStopping, "")
	in.drainAndStop(stopGrace)
	b.set(plugins.BundleResolved, "")
	r.logf("bundle %s stopped", b.currentSpec().Name)
}

// updateBundle swaps in a new version. An active bundle keeps serving:
// the new instance must be healthy before it takes traffic, and the old
// one drains its in-flight requests before it stops. Caller holds b.mu.
func (r *Runtime) updateBundle(ctx context.Context, b *bundle, spec plugins.BundleSpec) error {
	if err := validateSpec(spec); err != nil {
		return fmt.Errorf("update bundle: %w", err)
	}
	if err := resolve(spec); err != nil {
		return fmt.Errorf("update bundle: %w", err)
	}
	old := b.active.Load()
	if old == nil {
		b.stateMu.Lock()
		b.spec = spec
		b.stateMu.Unlock()
		b.set(plugins.BundleResolved, "")
		r.logf("bundle %s updated to %s", spec.Name, spec.Version)
		return nil
	}
	in, err := r.launch(ctx, spec)
	if err != nil {
		// The old version keeps serving.
		return fmt.Errorf("update bundle: %w", err)
	}
	b.stateMu.Lock()
	b.spec = spec
	b.stateMu.Unlock()
	b.active.Store(in)
	go r.watch(b, in)
	old.drainAndStop(stopGrace)
	b.set(plugins.BundleActive, "")
	r.logf("bundle %s updated to %s", spec.Name, spec.Version)
	return nil
}

func (r *Runtime) uninstall(name string) (plugins.BundleInfo, error) {
	r.mu.Lock()
	b := r.bundles[name]
	r.mu.Unlock()
	if b == nil {
		return plugins.BundleInfo{}, fmt.Errorf("bundle %q is not installed", name)
	}
	b.mu.Lock()
	r.stopBundle(b)
	r.mu.Lock()
	delete(r.bundles, name)
	r.mu.Unlock()
	b.set(plugins.BundleUninstalled, "")
	b.mu.Unlock()
	r.logf("bundle %s uninstalled", name)
	return b.info(), r.persist()
}
