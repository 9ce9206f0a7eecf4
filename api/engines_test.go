package api_test

import (
	"testing"

	"github.com/roundhouse/roundhouse/api"
)

func TestEnginesClustersAndRunProfiles(t *testing.T) {
	_, c := client(t)
	ctx := ctx(t)
	envs, err := c.Environments().List(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Engines().Create(ctx, api.EngineCreate{Name: "edge-1", EnvironmentID: envs[0].ID})
	if err != nil || e.PreAuthorizedKey == "" || e.Status != api.EngineNotPaired || e.Availability != api.EngineNotAvailable {
		t.Fatalf("create = %+v, %v", e, err)
	}
	if got, err := c.Engines().Get(ctx, e.ID); err != nil || got.PreAuthorizedKey != "" {
		t.Fatalf("the pair key is shown once: get = %+v, %v", got, err)
	}
	key, err := c.Engines().NewPairKey(ctx, e.ID, 3600)
	if err != nil || key.PreAuthorizedKey == "" || key.PreAuthorizedKey == e.PreAuthorizedKey {
		t.Fatalf("new pair key = %+v, %v", key, err)
	}
	rp, err := c.Engines().CreateRunProfile(ctx, e.ID, api.RunProfileCreate{Name: "small", Type: "JOB_SERVER",
		Limits: api.ResourceLimits{CPUMillis: 500, MemoryMB: 256}})
	if err != nil || rp.ID == "" || rp.Limits.MemoryMB != 256 {
		t.Fatalf("run profile = %+v, %v", rp, err)
	}
	cl, err := c.EngineClusters().Create(ctx, api.EngineClusterCreate{Name: "pool", EnvironmentID: envs[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EngineClusters().AddEngine(ctx, cl.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	got, err := c.EngineClusters().Get(ctx, cl.ID)
	if err != nil || got.TotalEngines != 1 || len(got.Engines) != 1 || got.Engines[0].ID != e.ID {
		t.Fatalf("cluster = %+v, %v", got, err)
	}
	if err := c.RunProfiles().Delete(ctx, rp.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Engines().Delete(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Engines().Get(ctx, e.ID); !api.IsNotFound(err) {
		t.Fatalf("deleted engine: %v, want 404", err)
	}
}
