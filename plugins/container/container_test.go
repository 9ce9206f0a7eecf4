package container

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// The test binary is also the bundle program: "web" serves $VERSION on
// $PORT; "broken" exits at once.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "web" {
		mux := http.NewServeMux()
		mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {})
		mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, os.Getenv("VERSION")) })
		http.ListenAndServe(":"+os.Getenv("PORT"), mux)
		os.Exit(1)
	}
	if len(os.Args) > 1 && os.Args[1] == "broken" {
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func spec(name, version, role string) plugins.BundleSpec {
	return plugins.BundleSpec{Name: name, Version: version, Command: []string{os.Args[0], role}, Env: map[string]string{"VERSION": version}}
}

func body(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestLifecycleAndFailedUpdateKeepsOldVersion(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	rt := New()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := rt.Start(ctx, plugins.StartRequest{Port: port, WorkDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	defer rt.Stop(ctx, plugins.StopRequest{Grace: time.Second})
	base := "http://127.0.0.1:" + strconv.Itoa(port)

	steps := []struct {
		op        plugins.BundleOp
		wantState string
		wantErr   string
		wantBody  string
	}{
		{plugins.BundleOp{Op: plugins.OpInstall, Spec: spec("svc", "1", "web")}, plugins.BundleResolved, "", "bundle svc is not active"},
		{plugins.BundleOp{Op: plugins.OpStart, Name: "svc"}, plugins.BundleActive, "", "1"},
		{plugins.BundleOp{Op: plugins.OpUpdate, Spec: spec("svc", "2", "broken")}, plugins.BundleActive, "exited before it was healthy", "1"},
		{plugins.BundleOp{Op: plugins.OpUpdate, Spec: spec("svc", "3", "web")}, plugins.BundleActive, "", "3"},
		{plugins.BundleOp{Op: plugins.OpStop, Name: "svc"}, plugins.BundleResolved, "", "bundle svc is not active"},
		{plugins.BundleOp{Op: plugins.OpInstall, Spec: plugins.BundleSpec{Name: "bad name!", Command: []string{"x"}}}, "", "letters, digits", ""},
		{plugins.BundleOp{Op: plugins.OpInstall, Spec: spec("ghost", "1", "web")}, plugins.BundleResolved, "", ""},
		{plugins.BundleOp{Op: "explode", Name: "svc"}, "", "unknown bundle operation", ""},
		{plugins.BundleOp{Op: plugins.OpUninstall, Name: "svc"}, plugins.BundleUninstalled, "", "no bundle at /svc/"},
	}
	for i, st := range steps {
		info, err := rt.Bundle(ctx, st.op)
		if st.wantErr == "" && err != nil || st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr)) {
			t.Fatalf("step %d %s: err = %v, want %q", i, st.op.Op, err, st.wantErr)
		}
		if st.wantState != "" && info.State != st.wantState {
			t.Fatalf("step %d %s: state %s, want %s", i, st.op.Op, info.State, st.wantState)
		}
		if st.wantBody != "" {
			if got := body(t, base+"/svc/"); !strings.Contains(got, st.wantBody) {
				t.Fatalf("step %d %s: /svc/ = %q, want %q", i, st.op.Op, got, st.wantBody)
			}
		}
	}
	list, _ := rt.Bundles(ctx)
	if len(list) != 1 || list[0].Name != "ghost" {
		t.Fatalf("bundles: %+v", list)
	}
}

// Each bundle counts its own requests: a deployment's metrics are its
// bundle's, not the whole container's.
func TestBundlesCountTheirOwnRequests(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	rt := New()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := rt.Start(ctx, plugins.StartRequest{Port: port, WorkDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	defer rt.Stop(ctx, plugins.StopRequest{Grace: time.Second})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	want := map[string]int64{"a": 3, "b": 1}
	for name, n := range want {
		if _, err := rt.Bundle(ctx, plugins.BundleOp{Op: plugins.OpInstall, Spec: spec(name, "1", "web")}); err != nil {
			t.Fatal(err)
		}
		if _, err := rt.Bundle(ctx, plugins.BundleOp{Op: plugins.OpStart, Name: name}); err != nil {
			t.Fatal(err)
		}
		for range n {
			if got := body(t, base+"/"+name+"/"); got != "1" {
				t.Fatalf("/%s/ = %q", name, got)
			}
		}
	}
	list, _ := rt.Bundles(ctx)
	for _, b := range list {
		if b.Metrics.Total != want[b.Name] || b.Metrics.LastMinute != want[b.Name] {
			t.Fatalf("bundle %s metrics %+v, want %d requests", b.Name, b.Metrics, want[b.Name])
		}
	}
	if len(list) != 2 {
		t.Fatalf("bundles: %+v", list)
	}
}
