package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/agent/deploy"
	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
	"github.com/roundhouse/roundhouse/runtime"
)

// deployRig is an agent that runs real services (the test binary serves
// the built-in plugins) against the fake server, and can be restarted
// in-process over the same data and runtime directories.
type deployRig struct {
	t     *testing.T
	s     *fakeServer
	store link.Store
	rtDir string
	a     *Agent
	stop  func()
}

func newDeployRig(t *testing.T) *deployRig {
	t.Helper()
	s := newFakeServer(t, time.Hour)
	rtDir, err := os.MkdirTemp("", "rhd") // short: unix socket paths live under it
	if err != nil {
		t.Fatal(err)
	}
	r := &deployRig{t: t, s: s, store: pairWithFake(t, s), rtDir: rtDir}
	r.start()
	t.Cleanup(func() {
		r.stopAgent()
		r.stopAll()
		os.RemoveAll(rtDir)
	})
	return r
}

func (r *deployRig) config() Config { return deployTestConfig(r.store, r.rtDir) }

// deployTestConfig runs plugins from the test binary, with short
// intervals.
func deployTestConfig(store link.Store, rtDir string) Config {
	self, _ := os.Executable()
	return Config{Store: store, Version: "test", Logger: quiet, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Runtime: runtime.Config{StateDir: rtDir, WarmPlugins: -1, Cgroups: runtime.CgroupsOff, StopGrace: 2 * time.Second,
			PluginCommand: func(name string) []string { return []string{self, "rh-plugin", name} }},
		Deployments: deploy.Config{HealthInterval: 50 * time.Millisecond, ReportInterval: 300 * time.Millisecond,
			MetricsInterval: 100 * time.Millisecond, HealthTimeout: 10 * time.Second, UndeployTimeout: 10 * time.Second}}
}

func (r *deployRig) start() {
	a, err := New(r.config())
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	r.a, r.stop = a, func() {
		cancel()
		if err := <-done; err != nil {
			r.t.Errorf("agent run: %v", err)
		}
	}
}

// stopAgent ends the agent; its services keep running.
func (r *deployRig) stopAgent() {
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
}

// stopAll stops every workload the agent's runtime left.
func (r *deployRig) stopAll() {
	rc := r.config().Runtime
	rc.Logger = quiet
	sup, err := runtime.New(rc)
	if err != nil {
		r.t.Error(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, in := range sup.List() {
		_, _ = sup.Stop(ctx, in.ID)
	}
	_ = sup.Close()
}

// services lists the runtime's workloads that are not finished.
func (r *deployRig) services() []runtime.Info {
	var out []runtime.Info
	for _, in := range r.a.sup.List() {
		if in.State != runtime.StateExited {
			out = append(out, in)
		}
	}
	return out
}

// artifact builds a service artifact whose program is rh-web and offers
// it on the fake server.
func (r *deployRig) artifact(name, version, typ, binary string) protocol.ArtifactRef {
	r.t.Helper()
	self, _ := os.Executable()
	dir := r.t.TempDir()
	man := map[string]any{"name": name, "version": version, "type": typ, "entrypoint": []string{"./run.sh"},
		"parameters": map[string]string{"VERSION": version}}
	if binary != "" {
		man["binaryType"] = binary
	}
	b, _ := json.Marshal(man)
	write := func(name, content string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), mode); err != nil {
			r.t.Fatal(err)
		}
	}
	write("artifact.json", string(b), 0o644)
	write("run.sh", "#!/bin/sh\nexec "+self+" rh-web\n", 0o755)
	var buf bytes.Buffer
	_, digest, err := artifact.Build(dir, &buf)
	if err != nil {
		r.t.Fatal(err)
	}
	r.s.addArtifact(digest, buf.Bytes())
	return protocol.ArtifactRef{Digest: digest, Size: int64(buf.Len()), Name: name, Version: version}
}

// waitStatus waits for a deployment's latest status to be status.
func (r *deployRig) waitStatus(id, status string, within time.Duration) protocol.DeploymentStatus {
	r.t.Helper()
	waitFor(r.t, within, id+" "+status, func() bool { return r.s.lastStatus(id).Status == status })
	return r.s.lastStatus(id)
}

// subStates is a deployment's statuses as "STATUS/Sub-state".
func (r *deployRig) subStates(id string) []string {
	var out []string
	for _, st := range r.s.statusesOf(id) {
		out = append(out, st.Status+"/"+st.SubStatus)
	}
	return out
}

func get(t *testing.T, port int, path string) (string, error) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(port) + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), errors.New(resp.Status)
	}
	return string(b), err
}

func portFree(port int) bool {
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	var pid int
	waitFor(t, 5*time.Second, "pid file "+path, func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	})
	return pid
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func listenAny() (net.Listener, error) { return net.Listen("tcp", ":0") }
