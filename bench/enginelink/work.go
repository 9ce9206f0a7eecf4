package main

import (
	"context"
	"io"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/protocol"
)

// idleWork is the work side of a node with nothing to run: no
// assignments, no deployments, as a fleet at rest has. With it the link
// serves work streams as production does (assignment and deployment
// watchers per session), where a link without Work refuses them. Its
// change channels never close: nothing changes.
type idleWork struct{ never chan struct{} }

var (
	_ enginelink.Work           = idleWork{}
	_ enginelink.DeploymentWork = idleWork{}
)

func newIdleWork() idleWork { return idleWork{never: make(chan struct{})} }

func (w idleWork) Assignments(string) ([]enginelink.Assignment, <-chan struct{}) {
	return nil, w.never
}

func (idleWork) ReportStatus(context.Context, string, *protocol.ExecutionStatus) error { return nil }

func (idleWork) AppendLogs(context.Context, string, *protocol.LogBatch) error { return nil }

func (idleWork) OpenArtifact(context.Context, string) (io.ReadCloser, int64, error) {
	return nil, 0, enginelink.ErrArtifactNotFound
}

func (w idleWork) DeploymentOrders(string) ([]enginelink.DeploymentOrder, <-chan struct{}) {
	return nil, w.never
}

func (idleWork) ReportDeployment(context.Context, string, *protocol.DeploymentStatus) error {
	return nil
}

func (idleWork) RecordDeploymentMetrics(context.Context, string, *protocol.DeploymentMetrics) error {
	return nil
}
