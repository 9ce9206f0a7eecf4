package tasks_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func (f *fixture) publish(t *testing.T, manifest map[string]any) string {
	t.Helper()
	archive, _ := executionstest.Archive(manifest, map[string]string{"serve.sh": "#!/bin/sh\n"})
	status, raw, err := f.srv.Client(cptest.AdminToken).Send("POST", "/orchestration/artifacts", "application/gzip", archive)
	if err != nil || status != 201 {
		t.Fatalf("upload: %v %d %s", err, status, raw)
	}
	var pub state.ArtifactPublishResult
	_ = json.Unmarshal(raw, &pub)
	if pub.TaskID != "" {
		t.Fatalf("publishing a service created task %s; only jobs get one", pub.TaskID)
	}
	return pub.ID
}

func TestServiceTaskIsDeployedNotRun(t *testing.T) {
	f := start(t)
	art := f.publish(t, executionstest.ServiceManifest("orders-api", "1.0.0", "data-service", "microservice"))
	svc := f.create(t, "orders-api", f.shared, map[string]any{"artifact": map[string]any{"id": art, "version": "1.0.0"}})
	engine := map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}

	// Defaults: single node, automatic port, metric path = artifact name.
	f.c.Must(t, 204, "PUT", base+"/"+svc.ID+"/run-config", map[string]any{"runtime": engine}, nil)
	var rc state.RunConfig
	f.c.Must(t, 200, "GET", base+"/"+svc.ID+"/run-config", nil, &rc)
	if rc.DeploymentStrategy != state.StrategySingleNode || rc.Port == nil || rc.Port.Type != state.PortAutomatic ||
		rc.MetricPath == nil || *rc.MetricPath != "orders-api" || rc.MinHealthySeconds != 10 ||
		rc.ProgressDeadlineSeconds != 300 || rc.ShutdownDelaySeconds == nil || *rc.ShutdownDelaySeconds != 2 {
		t.Fatalf("service defaults: %+v", rc)
	}
	// An empty metric path means no metrics, and stays empty.
	f.c.Must(t, 204, "PUT", base+"/"+svc.ID+"/run-config", map[string]any{"runtime": engine, "metricPath": "",
		"port": map[string]any{"type": "CUSTOM", "value": 8088}}, nil)
	f.c.Must(t, 200, "GET", base+"/"+svc.ID+"/run-config", nil, &rc)
	if rc.MetricPath == nil || *rc.MetricPath != "" || rc.Port.Value != 8088 {
		t.Fatalf("custom config: %+v", rc)
	}

	bad := []struct {
		name string
		body map[string]any
		want string
	}{
		{"parallel on one engine", map[string]any{"runtime": engine, "deploymentStrategy": "PARALLEL"}, "engine cluster"},
		{"unknown strategy", map[string]any{"runtime": engine, "deploymentStrategy": "CANARY"}, "deploymentStrategy must be"},
		{"privileged port", map[string]any{"runtime": engine, "port": map[string]any{"type": "CUSTOM", "value": 80}}, "between 1024 and 65535"},
		{"port type", map[string]any{"runtime": engine, "port": map[string]any{"type": "RANDOM"}}, "port.type"},
		{"deadline under the health wait", map[string]any{"runtime": engine, "minHealthySeconds": 30, "progressDeadlineSeconds": 20}, "longer than"},
	}
	for _, c := range bad {
		e := f.c.MustFail(t, 400, "PUT", base+"/"+svc.ID+"/run-config", c.body)
		if !strings.Contains(e.Message, c.want) {
			t.Errorf("%s: %q lacks %q", c.name, e.Message, c.want)
		}
	}

	// Never executed, scheduled, webhook-triggered or planned.
	for _, call := range []struct{ method, path string }{
		{"POST", base + "/" + svc.ID + "/run"},
		{"POST", "/processing/executions"},
	} {
		e := f.c.MustFail(t, 400, call.method, call.path, map[string]any{"executable": svc.ID})
		if !strings.Contains(e.Message, "deploy it with") {
			t.Errorf("%s %s: %q", call.method, call.path, e.Message)
		}
	}
	today := time.Now().UTC().Format("2006-01-02")
	f.c.MustFail(t, 400, "PUT", base+"/"+svc.ID+"/schedule", map[string]any{"triggers": []map[string]any{
		{"type": "CRON", "startDate": today, "timeZone": "UTC", "expression": "0 0 1 1 ? 2099"}}})
	f.c.MustFail(t, 400, "POST", base+"/"+svc.ID+"/webhook", map[string]any{"windowThreshold": 1, "windowDuration": 60})
	e := f.c.MustFail(t, 400, "POST", "/orchestration/executables/plans", map[string]any{"name": "p", "workspaceId": f.shared,
		"steps": []map[string]any{{"name": "s", "condition": "ALL_SUCCEEDED", "taskIds": []string{svc.ID}}}})
	if !strings.Contains(e.Message, "plan") {
		t.Errorf("plan refusal: %q", e.Message)
	}

	// A job task takes no service fields.
	job := f.create(t, "loader-job", f.shared, nil)
	e = f.c.MustFail(t, 400, "PUT", base+"/"+job.ID+"/run-config", map[string]any{"runtime": engine, "deploymentStrategy": "SINGLE_NODE"})
	if !strings.Contains(e.Message, "route and data-service tasks only") {
		t.Errorf("job with a strategy: %q", e.Message)
	}
}
