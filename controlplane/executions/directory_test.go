package executions_test

import (
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// With the real engine tables: run configs name engines of the API, an
// engine of another environment is refused, and an unpaired engine never
// takes work, so the run ends at its timeout with the reason.
func TestRunConfigAgainstTheEngineTables(t *testing.T) {
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.Executions = executions.Config{Minute: 200 * time.Millisecond, Rescan: 20 * time.Millisecond}
	})
	c := srv.Client(cptest.AdminToken)
	envID, _, err := executionstest.SharedWorkspace(srv.URL, cptest.AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	var eng, other struct{ ID string }
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "re-1", "environmentId": envID}, &eng)
	var prod state.Environment
	c.Must(t, 201, "POST", "/orchestration/environments", map[string]any{"name": "prod"}, &prod)
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "re-prod", "environmentId": prod.ID}, &other)

	archive, _ := executionstest.Archive(executionstest.JobManifest("real", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	f := &fixture{t: t, srv: srv, c: c}
	status, raw := f.upload(archive, "")
	var pub state.ArtifactPublishResult
	mustJSON(t, raw, &pub)
	if status != 201 {
		t.Fatalf("upload %d %s", status, raw)
	}
	rc := func(id string) map[string]any {
		return map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": id}, "timeout": 1}
	}
	if e := c.MustFail(t, 400, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", rc(other.ID)); e.Code != "ENGINE_OF_ANOTHER_ENVIRONMENT" {
		t.Fatalf("other environment: %+v", e)
	}
	c.Must(t, 204, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", rc(eng.ID), nil)
	id := f.run(pub.TaskID, nil)
	v := f.wait(id, state.ExecTerminatedTimeout)
	if v.EngineID != "" || !strings.Contains(v.ErrorMessage, "no engine") {
		t.Fatalf("an unpaired engine took work or the reason is unclear: %+v", v.Execution)
	}
}
