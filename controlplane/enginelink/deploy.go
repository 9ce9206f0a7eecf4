package enginelink

import (
	"context"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// DeploymentWork is the deployment side of a node's work. A Work that
// also implements it gets, on every engine session, the engine's Deploy
// and Undeploy requests pushed, and its deployment statuses, reports and
// metrics taken in.
type DeploymentWork interface {
	// DeploymentOrders returns what the engine should run or stop as this
	// node's replica has it, and a channel closed when that changes.
	DeploymentOrders(engineID string) ([]DeploymentOrder, <-chan struct{})
	// ReportDeployment records a status the engine reported; a stale one
	// is ignored (nil). Any error is transient.
	ReportDeployment(ctx context.Context, engineID string, st *protocol.DeploymentStatus) error
	// RecordDeploymentMetrics stores a deployment's latest metrics (the
	// implementation may drop some to bound the write rate).
	RecordDeploymentMetrics(ctx context.Context, engineID string, m *protocol.DeploymentMetrics) error
}

// DeploymentOrder is one deployment of an engine the control plane wants
// running (Deploy) or stopped (Stop).
type DeploymentOrder struct {
	DeploymentID string
	TaskID       string
	Deploy       *protocol.Deploy
	Stop         bool
	// Pending: the engine has not answered the request yet (the
	// "Sending ..." sub-states); it is sent once on every session.
	Pending bool
	// Keep: the instance keeps running for now (it drains before its
	// stop): nothing is sent, and reconciling leaves it alone.
	Keep bool
}

func (o DeploymentOrder) message() protocol.Message {
	if o.Stop {
		return &protocol.Undeploy{DeploymentID: o.DeploymentID, TaskID: o.TaskID, Reason: "undeployed by the control plane"}
	}
	return o.Deploy
}

// deployPusher sends each pending request once per session, following
// the local replica, so an engine connected to any node gets them.
type deployPusher struct{ sent map[string]bool }

// step sends the requests not sent yet and returns the channel closed on
// the next change.
func (p *deployPusher) step(dw DeploymentWork, engineID string, w *workStream) (<-chan struct{}, error) {
	orders, changed := dw.DeploymentOrders(engineID)
	for _, o := range orders {
		key := o.DeploymentID + "/" + stopWord(o.Stop)
		if !o.Pending || p.sent[key] || (o.Deploy == nil && !o.Stop) {
			continue
		}
		p.sent[key] = true
		if err := w.send(o.message()); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

func stopWord(stop bool) string {
	if stop {
		return "stop"
	}
	return "run"
}

// takeDeploymentMessage handles what an engine sends about deployments.
// Statuses are applied in the order they arrive (the work stream's
// reader calls this inline): a later status never loses to an earlier.
func (s *Server) takeDeploymentMessage(ctx context.Context, engineID string, w *workStream, m protocol.Message) {
	dw, ok := s.work.(DeploymentWork)
	if !ok {
		return
	}
	switch msg := m.(type) {
	case *protocol.DeploymentStatus:
		s.reportDeployment(ctx, dw, engineID, msg)
	case *protocol.DeploymentMetrics:
		rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		defer cancel()
		if err := dw.RecordDeploymentMetrics(rctx, engineID, msg); err != nil {
			s.cfg.Logger.Debug("deployment metrics not stored", "engine", engineID, "deployment", msg.DeploymentID, "err", err)
		}
	case *protocol.DeploymentReport:
		// Every write it makes has its own timeout (reportDeployment); an
		// idle engine's report, once a minute, makes none and needs no timer.
		s.reconcileDeployments(ctx, dw, engineID, w, msg)
	}
}

// reportDeployment records a status, retrying while the failure is
// transient (no leader during an election) for up to statusRetryFor: the
// status after it waits, so none overtakes it. Past that it is dropped;
// the agent's next report repairs it.
func (s *Server) reportDeployment(ctx context.Context, dw DeploymentWork, engineID string, st *protocol.DeploymentStatus) {
	giveUp := time.Now().Add(statusRetryFor)
	delay := 50 * time.Millisecond
	for {
		rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		err := dw.ReportDeployment(rctx, engineID, st)
		cancel()
		if err == nil || ctx.Err() != nil {
			return
		}
		if time.Now().After(giveUp) || !sleepCtx(ctx, delay) {
			s.cfg.Logger.Warn("deployment status not recorded", "engine", engineID, "deployment", st.DeploymentID, "err", err)
			return
		}
		delay = min(2*delay, time.Second)
	}
}

// statusRetryFor bounds the retries of one deployment status.
const statusRetryFor = 30 * time.Second

// reconcileDeployments applies what the agent says it runs, then asks it
// to stop what should not run and to start what should and does not.
func (s *Server) reconcileDeployments(ctx context.Context, dw DeploymentWork, engineID string, w *workStream, rep *protocol.DeploymentReport) {
	for i := range rep.Deployments {
		s.reportDeployment(ctx, dw, engineID, &rep.Deployments[i])
	}
	orders, _ := dw.DeploymentOrders(engineID)
	msgs, gone := Reconcile(orders, rep)
	if ctx.Err() != nil {
		return
	}
	for _, st := range gone {
		s.reportDeployment(ctx, dw, engineID, st)
	}
	for _, m := range msgs {
		if err := w.send(m); err != nil {
			return
		}
	}
}

// Reconcile compares the orders with what an agent reports. It returns
// the requests to send (an Undeploy for an instance the agent runs that
// should not run, a Deploy again for one that should run and the agent
// lacks: an engine that returns gets the current version) and the
// statuses to record for stops the agent has nothing left of.
func Reconcile(orders []DeploymentOrder, rep *protocol.DeploymentReport) ([]protocol.Message, []*protocol.DeploymentStatus) {
	reported := map[string]protocol.DeploymentStatus{}
	for _, d := range rep.Deployments {
		reported[d.DeploymentID] = d
	}
	wanted := map[string]bool{}
	var msgs []protocol.Message
	var gone []*protocol.DeploymentStatus
	for _, o := range orders {
		r, has := reported[o.DeploymentID]
		switch {
		case o.Keep:
			wanted[o.DeploymentID] = true
		case o.Stop:
			if !has || r.Status == protocol.DeployUndeployed {
				gone = append(gone, &protocol.DeploymentStatus{DeploymentID: o.DeploymentID, TaskID: o.TaskID,
					Status: protocol.DeployUndeployed, SubStatus: protocol.SubUndeployed, Message: "the engine no longer runs it"})
			}
		case o.Deploy != nil:
			wanted[o.DeploymentID] = true
			if !has && !o.Pending {
				msgs = append(msgs, o.Deploy)
			}
		}
	}
	for _, d := range rep.Deployments {
		if wanted[d.DeploymentID] || d.Status == protocol.DeployUndeployed || d.Status == protocol.DeployFailed {
			continue
		}
		msgs = append(msgs, &protocol.Undeploy{DeploymentID: d.DeploymentID, TaskID: d.TaskID, Reason: "not deployed here any more"})
	}
	return msgs, gone
}
