package engines

import (
	"context"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/deployments"
	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

var _ enginelink.DeploymentWork = (*Work)(nil)

// metricsGate lets one metrics record per deployment through per
// interval, so engines reporting often cost raft little.
type metricsGate struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (g *metricsGate) allow(deploymentID string, now time.Time, every time.Duration) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last == nil {
		g.last = map[string]time.Time{}
	}
	if t, ok := g.last[deploymentID]; ok && now.Sub(t) < every {
		return false
	}
	for id, t := range g.last { // forget deployments gone quiet
		if now.Sub(t) > 10*every {
			delete(g.last, id)
		}
	}
	g.last[deploymentID] = now
	return true
}

// DeploymentOrders implements enginelink.DeploymentWork from this node's
// replica: a wanted instance is a Deploy (pending while "Sending deploy
// request"), a stopping one past its drain an Undeploy.
func (w *Work) DeploymentOrders(engineID string) ([]enginelink.DeploymentOrder, <-chan struct{}) {
	txn := w.Store.Read()
	list, changed := state.WatchEngineDeployments(txn, engineID)
	out := make([]enginelink.DeploymentOrder, 0, len(list))
	for _, d := range list {
		o := enginelink.DeploymentOrder{DeploymentID: d.DeploymentID, TaskID: d.TaskID}
		switch {
		case d.Desired == state.DesireRun && (d.Status == protocol.DeployDeploying || d.Status == protocol.DeployRunning):
			if o.Deploy = deployments.DeployMessage(txn, d); o.Deploy == nil {
				continue
			}
			o.Pending = d.SubStatus == protocol.SubSendingDeploy
		case d.Desired == state.DesireStop && d.Status == protocol.DeployUndeploying && d.Draining():
			o.Keep = true
		case d.Desired == state.DesireStop && d.Status == protocol.DeployUndeploying:
			o.Stop, o.Pending = true, d.SubStatus == protocol.SubSendingUndeploy
		default:
			continue
		}
		out = append(out, o)
	}
	return out, changed
}

// ReportDeployment implements enginelink.DeploymentWork.
func (w *Work) ReportDeployment(ctx context.Context, engineID string, st *protocol.DeploymentStatus) error {
	return w.apply(ctx, state.CmdDeploymentStatus, state.DeploymentStatusRequest{EngineID: engineID, Status: *st})
}

// RecordDeploymentMetrics implements enginelink.DeploymentWork: at most one
// record per deployment per Deployments.MetricsEvery reaches raft.
func (w *Work) RecordDeploymentMetrics(ctx context.Context, engineID string, m *protocol.DeploymentMetrics) error {
	if !w.metrics.allow(m.DeploymentID, time.Now(), w.Deployments.WithDefaults().MetricsEvery) {
		return nil
	}
	return w.apply(ctx, state.CmdDeploymentMetrics, state.DeploymentMetricsRequest{EngineID: engineID, Metrics: *m})
}

func (w *Work) apply(ctx context.Context, typ string, payload any) error {
	cmd, err := cluster.NewCommand(typ, cluster.Meta{Time: time.Now()}, payload)
	if err != nil {
		return err
	}
	_, err = w.Store.Apply(ctx, cmd, nil)
	if _, refused := cluster.AsRejection(err); refused {
		return nil
	}
	return err
}
