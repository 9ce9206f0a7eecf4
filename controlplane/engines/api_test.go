package engines_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/protocol"
)

type engineBody struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	EnvironmentID    string `json:"environmentId"`
	WorkspaceID      string `json:"workspaceId"`
	ClusterID        string `json:"clusterId"`
	Status           string `json:"status"`
	Availability     string `json:"availability"`
	PreAuthorizedKey string `json:"preAuthorizedKey"`
	RunProfiles      []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"runProfiles"`
}

func defaultEnv(t *testing.T, c *cptest.Client) string {
	t.Helper()
	var envs []struct{ ID, Name string }
	c.Must(t, 200, "GET", "/orchestration/environments", nil, &envs)
	for _, e := range envs {
		if e.Name == "default" {
			return e.ID
		}
	}
	t.Fatal("no default environment")
	return ""
}

func TestEngineLifecycleOverTheAPI(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	env := defaultEnv(t, c)

	var e engineBody
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "re-1", "environmentId": env, "description": "first"}, &e)
	if e.Status != "NOT_PAIRED" || e.Availability != "NOT_AVAILABLE" || e.EnvironmentID != env {
		t.Fatalf("created %+v", e)
	}
	if _, err := protocol.ParsePairKey(e.PreAuthorizedKey); err != nil {
		t.Fatalf("pair key %q: %v", e.PreAuthorizedKey, err)
	}
	var got engineBody
	c.Must(t, 200, "GET", "/processing/runtimes/remote-engines/"+e.ID, nil, &got)
	if got.PreAuthorizedKey != "" {
		t.Fatal("the pair key is shown again after creation")
	}
	var list []engineBody
	c.Must(t, 200, "GET", "/processing/runtimes/remote-engines?environmentId="+env, nil, &list)
	if len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("list %+v", list)
	}
	var key struct{ PreAuthorizedKey string }
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines/"+e.ID+"/pre-authorized-key", nil, &key)
	if key.PreAuthorizedKey == "" || key.PreAuthorizedKey == e.PreAuthorizedKey {
		t.Fatal("regenerating did not issue a new key")
	}
	var profile struct{ ID string }
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines/"+e.ID+"/run-profiles",
		map[string]any{"name": "jobs", "type": "JOB_SERVER", "limits": map[string]int{"memoryMB": 512, "maxProcesses": 64}}, &profile)
	c.Must(t, 200, "GET", "/processing/runtimes/remote-engines/"+e.ID, nil, &got)
	if len(got.RunProfiles) != 1 || got.RunProfiles[0].Type != "JOB_SERVER" {
		t.Fatalf("run profiles %+v", got.RunProfiles)
	}
	c.Must(t, 200, "PATCH", "/processing/runtimes/remote-engines/"+e.ID, map[string]any{"name": "re-renamed"}, &got)
	if got.Name != "re-renamed" {
		t.Fatalf("rename: %+v", got)
	}
	c.Must(t, 204, "DELETE", "/processing/runtimes/remote-engines/"+e.ID, nil, nil)
	c.MustFail(t, 404, "GET", "/processing/runtimes/remote-engines/"+e.ID, nil)
	c.MustFail(t, 404, "GET", "/processing/runtimes/run-profiles/"+profile.ID, nil)
}

func TestEngineClusterCountsAvailableEngines(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	env := defaultEnv(t, c)
	var cl struct{ ID string }
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engine-clusters", map[string]any{"name": "cl", "environmentId": env}, &cl)
	for i := range 3 {
		var e engineBody
		c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": fmt.Sprintf("m%d", i), "environmentId": env}, &e)
		c.Must(t, 204, "PUT", "/processing/runtimes/remote-engine-clusters/"+cl.ID+"/engines/"+e.ID, nil, nil)
	}
	var view struct {
		Engines          []engineBody `json:"engines"`
		AvailableEngines int          `json:"availableEngines"`
		TotalEngines     int          `json:"totalEngines"`
		Summary          string       `json:"summary"`
	}
	c.Must(t, 200, "GET", "/processing/runtimes/remote-engine-clusters/"+cl.ID, nil, &view)
	if view.TotalEngines != 3 || view.AvailableEngines != 0 || view.Summary != "0/3 engines available" {
		t.Fatalf("cluster %+v", view)
	}
	c.Must(t, 204, "DELETE", "/processing/runtimes/remote-engine-clusters/"+cl.ID+"/engines/"+view.Engines[0].ID, nil, nil)
	c.Must(t, 200, "GET", "/processing/runtimes/remote-engine-clusters/"+cl.ID, nil, &view)
	if view.TotalEngines != 2 {
		t.Fatalf("after removal %+v", view)
	}
	// An engine of the cluster cannot move to another environment.
	var other struct{ ID string }
	c.Must(t, 201, "POST", "/orchestration/environments", map[string]any{"name": "other"}, &other)
	msg := c.MustFail(t, 409, "PATCH", "/processing/runtimes/remote-engines/"+view.Engines[0].ID, map[string]any{"environmentId": other.ID})
	if !strings.Contains(msg.Message, "cluster") {
		t.Fatalf("message %q", msg.Message)
	}
}

func TestEngineEndpointsRefuseBadInputClearly(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	env := defaultEnv(t, c)
	var e engineBody
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "dup", "environmentId": env}, &e)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		mention            string
	}{
		{"no name", "POST", "/processing/runtimes/remote-engines", map[string]any{"environmentId": env}, 400, "name"},
		{"bad environment id", "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "x", "environmentId": "nope"}, 400, "environmentId"},
		{"unknown environment", "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "x", "environmentId": "0123456789abcdef01234567"}, 404, "environment"},
		{"duplicate name", "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "dup", "environmentId": env}, 409, "dup"},
		{"unknown field", "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "x", "environmentId": env, "colour": "red"}, 400, "colour"},
		{"bad kind", "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "x", "environmentId": env, "type": "STEAM"}, 400, "kind"},
		{"bad key ttl", "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "x", "environmentId": env, "preAuthorizedKeyTtlSeconds": -5}, 400, "preAuthorizedKeyTtlSeconds"},
		{"unknown engine", "GET", "/processing/runtimes/remote-engines/0123456789abcdef01234567", nil, 404, "engine"},
		{"bad run profile type", "POST", "/processing/runtimes/remote-engines/" + e.ID + "/run-profiles", map[string]any{"name": "p", "type": "GPU"}, 400, "JOB_SERVER"},
		{"negative limits", "POST", "/processing/runtimes/remote-engines/" + e.ID + "/run-profiles", map[string]any{"name": "p", "type": "JOB_SERVER", "limits": map[string]int{"memoryMB": -1}}, 400, "negative"},
		{"unknown cluster", "PUT", "/processing/runtimes/remote-engine-clusters/0123456789abcdef01234567/engines/" + e.ID, nil, 404, "cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := c.MustFail(t, tt.status, tt.method, tt.path, tt.body)
			if !strings.Contains(body.Message, tt.mention) {
				t.Fatalf("message %q does not mention %q", body.Message, tt.mention)
			}
		})
	}
	var list []engineBody
	c.Must(t, 200, "GET", "/processing/runtimes/remote-engines", nil, &list)
	if len(list) != 1 {
		t.Fatalf("bad requests created engines: %d", len(list))
	}
	anon := srv.Client("")
	anon.MustFail(t, 401, "GET", "/processing/runtimes/remote-engines", nil)
}

func TestEnginesConsumeLicenseTokens(t *testing.T) {
	srv := cptest.Start(t, func(c *controlplane.Config) { c.LicenseEngineTokens = 20000 })
	c := srv.Client(cptest.AdminToken)
	env := defaultEnv(t, c)
	for i := range 2 {
		c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": fmt.Sprintf("t%d", i), "environmentId": env}, nil)
	}
	body := c.MustFail(t, 409, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": "t2", "environmentId": env})
	if !strings.Contains(body.Message, "engine tokens") {
		t.Fatalf("message %q", body.Message)
	}
	var sub struct {
		EngineTokens struct{ Total, Used int } `json:"engineTokens"`
	}
	c.Must(t, 200, "GET", "/account/subscription", nil, &sub)
	if sub.EngineTokens.Total != 20000 || sub.EngineTokens.Used != 18000 {
		t.Fatalf("engine tokens %+v, want 18000 of 20000 used", sub.EngineTokens)
	}
}
