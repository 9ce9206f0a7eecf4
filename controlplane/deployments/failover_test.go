package deployments_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// TestLeaderFailoverMidRollResumes: the rollout lives in the replicated
// state, so the new leader's watcher takes it on from where it was.
func TestLeaderFailoverMidRollResumes(t *testing.T) {
	const token = "rhp_deploy-failover-token-0123456789abcdefghijk"
	nodes := executionstest.StartCluster(t, 3, token, executions.Config{})
	var leader, follower *executionstest.Node
	for _, n := range nodes {
		if n.Node().IsLeader() {
			leader = n
		} else if follower == nil {
			follower = n
		}
	}
	if leader == nil || follower == nil {
		t.Fatal("no leader and follower")
	}
	fleet, err := deploymentstest.NewFleet(follower.URL, token, follower.QUICAddr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var engines []*deploymentstest.Engine
	for i := range 3 {
		e, err := fleet.AddEngine(ctx, fmt.Sprintf("ha-%d", i+1), "2.13.0")
		if err != nil {
			t.Fatal(err)
		}
		defer e.Stop()
		engines = append(engines, e)
	}
	clusterID, err := fleet.AddCluster("ha", engines...)
	if err != nil {
		t.Fatal(err)
	}
	art, err := fleet.PublishService("orders-api", "1.0.0", "2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	task, err := fleet.ServiceTask("orders-api", art, "1.0.0", rollingConfig(clusterID, map[string]any{"minHealthySeconds": 2, "progressDeadlineSeconds": 30}))
	if err != nil {
		t.Fatal(err)
	}
	if err := fleet.API.Do("POST", tasksPath+task+"/deploy", nil, nil); err != nil {
		t.Fatal(err)
	}
	if r, err := fleet.WaitRollout(ctx, task); err != nil || r.Status != state.RolloutSuccessful {
		t.Fatalf("first rollout %+v %v", r, err)
	}
	watch := watchServing(engines)
	if err := fleet.SetVersion(task, "2.0.0"); err != nil {
		t.Fatal(err)
	}
	if err := fleet.API.Do("POST", tasksPath+task+"/deploy", nil, nil); err != nil {
		t.Fatal(err)
	}
	// Mid-roll: the first engine runs 2.0.0 and waits out its health gate.
	if err := deploymentstest.WaitFor(ctx, "first engine on 2.0.0", func() (bool, error) {
		list, err := fleet.Deployments(task)
		return err == nil && list[0].Status == protocol.DeployRunning && list[0].ArtifactVersion == "2.0.0", nil
	}); err != nil {
		t.Fatal(err)
	}
	leader.Stop()

	r, err := fleet.WaitRollout(ctx, task)
	if err != nil || r.Status != state.RolloutSuccessful {
		t.Fatalf("rollout after failover %+v %v", r, err)
	}
	if err := deploymentstest.WaitFor(ctx, "all on 2.0.0", func() (bool, error) {
		list, err := fleet.Deployments(task)
		if err != nil {
			return false, nil
		}
		for _, d := range list {
			if d.Status != protocol.DeployRunning || d.ArtifactVersion != "2.0.0" {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	if w := watch.worst(); w > 1 {
		t.Fatalf("%d engines stopped serving at once across the failover", w)
	}
}
