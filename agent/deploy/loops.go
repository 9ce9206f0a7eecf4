package deploy

import (
	"context"
	"errors"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
)

// waitInstanceHealthy polls an instance until it is healthy or ctx ends.
func waitInstanceHealthy(ctx context.Context, in *instance, every time.Duration) error {
	if in.bundle == "" {
		return in.h.WaitHealthy(ctx)
	}
	t := time.NewTicker(min(every, 100*time.Millisecond))
	defer t.Stop()
	for {
		p := in.probe(ctx)
		if p.healthy {
			return nil
		}
		if p.failed {
			return errors.New(p.detail)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// loops starts the periodic metrics sender (the periodic report rides
// with heartbeats: reportDue).
func (d *Deployer) loops() {
	d.wg.Go(func() { d.every(d.cfg.MetricsInterval, d.sendMetrics) })
}

func (d *Deployer) every(interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-t.C:
			if d.session.Get() != nil {
				fn()
			}
		}
	}
}

// sendMetrics sends the request metrics of every running deployment that
// has a metric path.
func (d *Deployer) sendMetrics() {
	type target struct {
		rec deployRecord
		in  *instance
	}
	var all []target
	d.mu.Lock()
	for _, dep := range d.byTask {
		if dep.inst != nil && dep.rec.Status.Status == protocol.DeployRunning && dep.rec.Deploy.MetricPath != "" {
			all = append(all, target{dep.rec, dep.inst})
		}
	}
	d.mu.Unlock()
	for _, t := range all {
		ctx, cancel := context.WithTimeout(d.ctx, d.cfg.HealthInterval)
		p := t.in.probe(ctx)
		cancel()
		if p.ok { // zeros from an unanswered probe would read as a restart
			d.send(deploymentMetrics(t.rec, p))
		}
	}
}

// deploymentMetrics maps the plugin's request meter to Talend's
// metrics: request counts for data services, exchanges and process times
// for routes (both when the type is unknown).
func deploymentMetrics(rec deployRecord, p probe) *protocol.DeploymentMetrics {
	m := &protocol.DeploymentMetrics{DeploymentID: rec.Deploy.DeploymentID, TaskID: rec.Deploy.TaskID,
		Time: time.Now().UTC(), Healthy: p.healthy}
	if rec.ArtifactType != artifact.TypeRoute {
		m.RequestsLastMinute, m.RequestsLast5Minutes = p.metrics.LastMinute, p.metrics.Last5Minutes
		m.RequestsLast15Minutes, m.RequestsTotal = p.metrics.Last15Minutes, p.metrics.Total
	}
	if rec.ArtifactType != artifact.TypeDataService {
		m.ExchangesTotal, m.ExchangesFailed = p.metrics.Total, p.metrics.Errors
		m.ExchangesCompleted = p.metrics.Total - p.metrics.Errors
		m.LastProcessMillis, m.MeanProcessMillis = p.metrics.LastMillis, p.metrics.MeanMillis
	}
	return m
}
