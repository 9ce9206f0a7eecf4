package agent

import (
	"context"
	"path/filepath"
)

// startDeployer takes over the deployments an earlier agent left (from
// <data dir>/deployments and what the runtime reattached) and starts the
// report and metrics loops; the returned func stops them, leaving the
// services running for the next agent. It needs the executor's runtime
// and download path (startExecutor first).
func (a *Agent) startDeployer(ctx context.Context) (func(), error) {
	l, recs, damaged, err := openDeployLedger(filepath.Join(a.cfg.Store.Dir, "deployments"))
	if err != nil {
		return nil, err
	}
	for _, f := range damaged {
		a.cfg.Logger.Error("a damaged deployment record was moved aside; the control plane's next Deploy repairs it", "file", f)
	}
	x := a.exec
	ctx, cancel := context.WithCancel(ctx)
	d := newDeployer(ctx, a.cfg.Deployments, x.sup, l, a.cfg.Logger, x.artifact, x.currentLink)
	d.resume(recs)
	d.loops()
	a.mu.Lock()
	a.deploy = d
	a.mu.Unlock()
	return func() {
		cancel()
		d.wait()
	}, nil
}
