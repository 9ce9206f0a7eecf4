package console_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
)

// TestConsoleDeployments deploys a data-service task from its page to a
// cluster of two engines (protocol-level engines over real QUIC that
// take a second per step): the rollout's progress and each engine's
// status and sub-status arrive without a reload; undeploying one engine
// asks first and leaves the other serving.
func TestConsoleDeployments(t *testing.T) {
	var quicAddr string
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.EngineHeartbeatInterval, c.EngineHeartbeatTimeout = 250*time.Millisecond, 2*time.Second
		quicAddr = c.QUICAddr
	})
	fleet, err := deploymentstest.NewFleet(srv.URL, cptest.AdminToken, quicAddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var engines []*deploymentstest.Engine
	for i := range 2 {
		e, err := fleet.AddEngine(ctx, fmt.Sprintf("svc-%d", i+1), "2.13.0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Stop)
		e.SetStepDelay(time.Second)
		engines = append(engines, e)
	}
	clusterID, err := fleet.AddCluster("services", engines...)
	if err != nil {
		t.Fatal(err)
	}
	art, err := fleet.PublishService("orders-api", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	taskID, err := fleet.ServiceTask("orders-api", art, "1.0.0", map[string]any{
		"runtime":            map[string]any{"type": "REMOTE_ENGINE_CLUSTER", "id": clusterID},
		"deploymentStrategy": "ROLLING", "minHealthySeconds": 1, "progressDeadlineSeconds": 30, "shutdownDelaySeconds": 0})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, srv.URL)
	b.signInWithToken(cptest.AdminToken)
	b.open("/console/tasks/" + taskID)
	b.run("each engine is listed, never deployed",
		chromedp.WaitVisible(`//tr[@data-deployment="svc-1"]//span[.="NEVER_DEPLOYED"]`),
		chromedp.WaitVisible(`//tr[@data-deployment="svc-2"]//span[.="NEVER_DEPLOYED"]`))
	b.run("deploy", chromedp.Click(chromedp.CSS("#deploy-task")),
		chromedp.WaitVisible(`//span[@id="rollout-status" and .="IN_PROGRESS"]`))
	value(b, "mark the page", chromedp.Evaluate[bool](`window.notReloaded = true`))
	b.shot("deploying")
	b.run("watch both engines come up",
		chromedp.WaitVisible(`//span[@id="rollout-status" and .="SUCCESSFUL"]`),
		chromedp.WaitVisible(`//tr[@data-deployment="svc-1"][.//span[.="RUNNING"]]/td[@class="sub-status" and contains(., "Executing task")]`),
		chromedp.WaitVisible(`//tr[@data-deployment="svc-2"][.//span[.="RUNNING"]]/td[@class="sub-status" and contains(., "Executing task")]`))
	if !value(b, "check the page was not reloaded", chromedp.Evaluate[bool](`window.notReloaded === true`)) {
		t.Fatal("the task page reloaded to show the deployment's progress")
	}
	b.shot("deployments")

	b.run("undeploy one engine asks first",
		chromedp.Click(`//tr[@data-deployment="svc-2"]//a[.="Undeploy"]`),
		chromedp.WaitVisible(chromedp.CSS("#confirm-action")))
	b.run("undeploy it", chromedp.Click(chromedp.CSS("#confirm-action")),
		chromedp.WaitVisible(`//tr[@data-deployment="svc-2"]//span[.="UNDEPLOYED"]`),
		chromedp.WaitVisible(`//tr[@data-deployment="svc-1"]//span[.="RUNNING"]`))
}
