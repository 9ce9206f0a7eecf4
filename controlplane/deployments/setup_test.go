package deployments_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const tasksPath = "/orchestration/executables/tasks/"

type fixture struct {
	srv   *cptest.Server
	c     *cptest.Client
	fleet *deploymentstest.Fleet
	ctx   context.Context
}

// start runs a control plane with short heartbeats (an engine that dies
// is NOT_AVAILABLE after 1 s) and a fleet helper.
func start(t *testing.T, mutate ...func(*controlplane.Config)) *fixture {
	t.Helper()
	var quicAddr string
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.EngineHeartbeatInterval, c.EngineHeartbeatTimeout = 250*time.Millisecond, time.Second
		quicAddr = c.QUICAddr
		for _, m := range mutate {
			m(c)
		}
	})
	fleet, err := deploymentstest.NewFleet(srv.URL, cptest.AdminToken, quicAddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &fixture{srv: srv, c: srv.Client(cptest.AdminToken), fleet: fleet, ctx: ctx}
}

func (f *fixture) engine(t *testing.T, name, version string) *deploymentstest.Engine {
	t.Helper()
	e, err := f.fleet.AddEngine(f.ctx, name, version)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}

// cluster makes n engines of one version in a cluster with a MICROSERVICE
// profile.
func (f *fixture) cluster(t *testing.T, name string, n int) (string, []*deploymentstest.Engine) {
	t.Helper()
	var engines []*deploymentstest.Engine
	for i := range n {
		engines = append(engines, f.engine(t, fmt.Sprintf("%s-%d", name, i+1), "2.13.0"))
	}
	id, err := f.fleet.AddCluster(name, engines...)
	if err != nil {
		t.Fatal(err)
	}
	return id, engines
}

func (f *fixture) task(t *testing.T, name string, versions []string, runConfig map[string]any) string {
	t.Helper()
	art, err := f.fleet.PublishService(name, versions...)
	if err != nil {
		t.Fatal(err)
	}
	id, err := f.fleet.ServiceTask(name, art, versions[0], runConfig)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) deployments(t *testing.T, taskID string) []deploymentstest.Deployment {
	t.Helper()
	d, err := f.fleet.Deployments(taskID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// waitAll waits until every record of the task has status and version.
func (f *fixture) waitAll(t *testing.T, taskID, status, version string) []deploymentstest.Deployment {
	t.Helper()
	var last []deploymentstest.Deployment
	err := deploymentstest.WaitFor(f.ctx, "deployments "+status+" "+version, func() (bool, error) {
		var err error
		last, err = f.fleet.Deployments(taskID)
		if err != nil {
			return false, err
		}
		for _, d := range last {
			if d.Status != status || (version != "" && d.ArtifactVersion != version) {
				return false, nil
			}
		}
		return len(last) > 0, nil
	})
	if err != nil {
		t.Fatalf("%v; last %+v", err, last)
	}
	return last
}

func (f *fixture) rollout(t *testing.T, taskID string) deploymentstest.Rollout {
	t.Helper()
	r, err := f.fleet.WaitRollout(f.ctx, taskID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rollingConfig(clusterID string, extra map[string]any) map[string]any {
	rc := map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE_CLUSTER", "id": clusterID},
		"deploymentStrategy": "ROLLING", "minHealthySeconds": 1, "progressDeadlineSeconds": 10, "shutdownDelaySeconds": 0}
	for k, v := range extra {
		rc[k] = v
	}
	return rc
}

// jobTask publishes a job artifact, which creates its task.
func (f *fixture) jobTask(t *testing.T) string {
	t.Helper()
	archive, err := executionstest.Archive(executionstest.JobManifest("nightly", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	if err != nil {
		t.Fatal(err)
	}
	var pub state.ArtifactPublishResult
	if err := f.fleet.API.Do("POST", "/orchestration/artifacts", archive, &pub); err != nil || pub.TaskID == "" {
		t.Fatalf("publish job: %v %+v", err, pub)
	}
	return pub.TaskID
}
