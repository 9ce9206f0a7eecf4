package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

func TestTaskDeployCommands(t *testing.T) {
	var quicAddr string
	srv := cptest.Start(t, func(c *controlplane.Config) { quicAddr = c.QUICAddr })
	fleet, err := deploymentstest.NewFleet(srv.URL, cptest.AdminToken, quicAddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := fleet.AddEngine(ctx, "cli-engine", "2.13.0")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	if err := fleet.AddEngineProfile(e.ID, state.RunProfileMicroservice); err != nil {
		t.Fatal(err)
	}
	art, err := fleet.PublishService("orders-api", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	var tk state.Task
	if err := fleet.API.Do("POST", "/orchestration/executables/tasks", map[string]any{"name": "orders-api", "workspaceId": fleet.Workspace,
		"artifact": map[string]any{"id": art, "version": "1.0.0"}}, &tk); err != nil {
		t.Fatal(err)
	}
	task := tk.ID
	t.Setenv("ROUNDHOUSE_SERVER", srv.URL)
	t.Setenv("ROUNDHOUSE_TOKEN", cptest.AdminToken)
	run := func(args ...string) (string, error) {
		flags := clientFlags{configPath: filepath.Join(t.TempDir(), "none.json")}
		cmd := withDeployments(&cobra.Command{Use: "task"}, &flags)
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(args)
		err := cmd.ExecuteContext(ctx)
		return out.String(), err
	}
	wait := func(status string) {
		t.Helper()
		if err := deploymentstest.WaitFor(ctx, status, func() (bool, error) {
			list, err := fleet.Deployments(task)
			return err == nil && list[0].Status == status, err
		}); err != nil {
			t.Fatal(err)
		}
	}

	if out, err := run("service-config", task, "--engine", e.ID, "--cluster", "c"); err == nil {
		t.Fatalf("both --engine and --cluster accepted: %s", out)
	}
	if out, err := run("service-config", task, "--engine", e.ID, "--strategy", "ROLLING"); err == nil || !strings.Contains(err.Error(), "engine cluster") {
		t.Fatalf("rolling on one engine: %v %s", err, out)
	}
	if out, err := run("service-config", task, "--engine", e.ID, "--shutdown-delay", "0", "--min-healthy", "1", "--metric-path", ""); err != nil {
		t.Fatalf("service-config: %v %s", err, out)
	}
	var rc state.RunConfig
	if err := fleet.API.Do("GET", "/orchestration/executables/tasks/"+task+"/run-config", nil, &rc); err != nil {
		t.Fatal(err)
	}
	if rc.DeploymentStrategy != state.StrategySingleNode || *rc.ShutdownDelaySeconds != 0 || rc.MinHealthySeconds != 1 || *rc.MetricPath != "" {
		t.Fatalf("run config set by the CLI: %+v", rc)
	}
	if out, err := run("deployments", task); err != nil || !strings.Contains(out, protocol.DeployNeverDeployed) {
		t.Fatalf("deployments before deploy: %v\n%s", err, out)
	}
	if out, err := run("deploy", task); err != nil || !strings.Contains(out, "deploy requested") {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	wait(protocol.DeployRunning)
	if r, err := fleet.WaitRollout(ctx, task); err != nil || r.Status != state.RolloutSuccessful {
		t.Fatalf("rollout %+v %v", r, err)
	}
	out, err := run("deployments", task)
	if err != nil || !strings.Contains(out, "cli-engine") || !strings.Contains(out, "Executing task") || !strings.Contains(out, "1.0.0") {
		t.Fatalf("deployments: %v\n%s", err, out)
	}
	if out, err := run("deploy", task); err == nil || !strings.Contains(err.Error(), "undeploy it before deploying again") {
		t.Fatalf("second deploy: %v\n%s", err, out)
	}
	if _, err := run("undeploy", task, "--engine", e.ID); err != nil {
		t.Fatal(err)
	}
	wait(protocol.DeployUndeployed)
	if _, err := run("deploy", task); err != nil {
		t.Fatal(err)
	}
	wait(protocol.DeployRunning)
	if out, err := run("deployments", task, "--history"); err != nil || !strings.Contains(out, protocol.DeployUndeployed) {
		t.Fatalf("history: %v\n%s", err, out)
	}
}
