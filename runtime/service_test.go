//go:build linux

package runtime

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/internal/testnet"
	"github.com/roundhouse/roundhouse/plugins"
)

// freeTCPPort finds a port nothing listens on.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	p, err := testnet.Port()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMicroservicePortsHealthMetricsAndCap(t *testing.T) {
	base := freeTCPPort(t)
	s, _ := newTestSupervisor(t, func(c *Config) {
		c.MaxServices = 2
		c.PortRangeStart, c.PortRangeEnd = base, base+10
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h, err := s.StartService(ctx, Spec{ID: "sample", Name: "greeter", Version: "1.2.3", Plugin: "http-service"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	port := h.Info().Port
	if port < base || port > base+10 {
		t.Fatalf("automatic port %d outside the pool %d-%d", port, base, base+10)
	}
	for i := 0; i < 3; i++ {
		if body, err := get("http://127.0.0.1:" + strconv.Itoa(port) + "/"); err != nil || body != "greeter 1.2.3\n" {
			t.Fatalf("GET / = %q, %v", body, err)
		}
	}
	st, err := h.Status(ctx)
	if err != nil || st.Metrics.Total != 3 || st.Metrics.LastMinute != 3 || st.Metrics.Last15Minutes != 3 {
		t.Fatalf("metrics %+v, %v", st.Metrics, err)
	}

	// A custom port that is taken is refused with a clear error.
	if _, err := s.StartService(ctx, Spec{ID: "clash", Plugin: "http-service", Port: port}); err == nil || !strings.Contains(err.Error(), "already used by workload sample") {
		t.Fatalf("port clash: %v", err)
	}
	if _, err := s.StartService(ctx, Spec{ID: "second", Plugin: "http-service"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartService(ctx, Spec{ID: "third", Plugin: "http-service"}); !errors.Is(err, ErrServiceCap) {
		t.Fatalf("third service over a cap of 2: %v", err)
	}
	r, err := s.Stop(ctx, "sample")
	if err != nil || r.Status != StatusStopped {
		t.Fatalf("stop: %+v %v", r, err)
	}
}

// hammer GETs url in a loop until stop is closed, counting failures.
func hammer(url, wantPrefix string, stop <-chan struct{}, ok, failed *atomic.Int64, lastFailure *atomic.Value) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		body, err := get(url)
		if err != nil || !strings.HasPrefix(body, wantPrefix) {
			failed.Add(1)
			lastFailure.Store(body + " " + errString(err))
			continue
		}
		ok.Add(1)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func bundle(name, version string) plugins.BundleSpec {
	return plugins.BundleSpec{Name: name, Version: version, Command: self("rh-web", name), Env: map[string]string{"VERSION": name + "-" + version}}
}

func TestBundleUpdateWithoutAFailedRequest(t *testing.T) {
	s, logs := newTestSupervisor(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	port := freeTCPPort(t)
	h, err := s.StartContainer(ctx, Spec{ID: "rt", Port: port})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := h.Container()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"orders", "billing"} {
		if _, err := rt.Bundle(ctx, plugins.BundleOp{Op: plugins.OpInstall, Spec: bundle(name, "1")}); err != nil {
			t.Fatal(err)
		}
		info, err := rt.Bundle(ctx, plugins.BundleOp{Op: plugins.OpStart, Name: name})
		if err != nil || info.State != plugins.BundleActive {
			t.Fatalf("start %s: %+v %v", name, info, err)
		}
	}
	if _, err := rt.Bundle(ctx, plugins.BundleOp{Op: plugins.OpInstall, Spec: bundle("orders", "9")}); err == nil || !strings.Contains(err.Error(), "already installed") {
		t.Fatalf("second install of one artifact: %v", err)
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	var ok, failed atomic.Int64
	var last atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, target := range [][2]string{{"/billing/", "billing-1"}, {"/billing/", "billing-1"}, {"/orders/", "orders-"}, {"/orders/", "orders-"}} {
		wg.Add(1)
		go func() { defer wg.Done(); hammer(base+target[0], target[1], stop, &ok, &failed, &last) }()
	}
	eventually(t, 5*time.Second, "traffic before the update", func() bool { return ok.Load() > 50 })
	for v := 2; v <= 3; v++ {
		info, err := rt.Bundle(ctx, plugins.BundleOp{Op: plugins.OpUpdate, Spec: bundle("orders", strconv.Itoa(v))})
		if err != nil || info.State != plugins.BundleActive || info.Version != strconv.Itoa(v) {
			t.Fatalf("update to %d: %+v %v", v, info, err)
		}
	}
	eventually(t, 5*time.Second, "requests after the update", func() bool { return ok.Load() > 300 })
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed during the update; last: %v", failed.Load(), ok.Load()+failed.Load(), last.Load())
	}
	t.Logf("%d requests served while orders went 1 → 2 → 3, none failed", ok.Load())
	if body, _ := get(base + "/orders/"); body != "orders-3" {
		t.Fatalf("after update /orders/ = %q", body)
	}
	if !logs.contains("rt", "serving billing-1") || !logs.contains("rt", "serving orders-3") {
		t.Fatal("container log lacks its bundles' lines")
	}

	// Bundles come back after a container restart.
	if _, err := s.Stop(ctx, "rt"); err != nil {
		t.Fatal(err)
	}
	if err := s.Release("rt"); err != nil {
		t.Fatal(err)
	}
	h, err = s.StartContainer(ctx, Spec{ID: "rt", Port: port})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "bundles back after restart", func() bool {
		a, _ := get(base + "/orders/")
		b, _ := get(base + "/billing/")
		return a == "orders-3" && b == "billing-1"
	})
	rt, _ = h.Container()
	if info, err := rt.Bundle(ctx, plugins.BundleOp{Op: plugins.OpUninstall, Name: "billing"}); err != nil || info.State != plugins.BundleUninstalled {
		t.Fatalf("uninstall: %+v %v", info, err)
	}
	if body, _ := get(base + "/billing/"); !strings.Contains(body, "no bundle") {
		t.Fatalf("after uninstall /billing/ = %q", body)
	}
	list, _ := rt.Bundles(ctx)
	if len(list) != 1 || list[0].Name != "orders" || list[0].State != plugins.BundleActive {
		t.Fatalf("bundles: %+v", list)
	}
}
