package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/deployments/deploymentstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/e2e/harness"
)

// versionsvc builds e2e/testdata/versionsvc once per test binary: the
// service the deployment tests deploy (no python or shell needed).
var versionsvc = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "rh-versionsvc-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "svc")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/versionsvc")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build versionsvc: %v\n%s", err, msg)
	}
	return out, nil
})

// deployEngine is one real roundhouse-engine of a deployment test.
type deployEngine struct {
	name, id, dir string
	bin           string // the agent binary ("": the one TestMain built)
	proc          *engProc
	// addr is where its services answer: 127.0.0.1, or its host's address
	// when the engine runs in a network namespace of its own.
	addr string
}

// deployFixture is one control-plane node, real engines in a cluster with
// a MICROSERVICE run profile, and the API as the tests call it.
type deployFixture struct {
	t         *testing.T
	cp        *engCluster
	fleet     *deploymentstest.Fleet
	engines   []*deployEngine
	clusterID string
	// net, when set, puts the control plane on host 1 and each engine on
	// a host of its own (2, 3, ...).
	net   *harness.Net
	hosts int
}

// startDeployFixture starts a node with heartbeat interval and timeout
// and n engines named "<name>-1".. in a cluster called name.
func startDeployFixture(t *testing.T, name string, n int, interval, timeout string) *deployFixture {
	t.Helper()
	return newDeployFixture(t, engStartServer(t, interval, timeout), nil, name, n)
}

// startDeployFixtureNet is startDeployFixture with real hosts: the node
// and every engine in a network namespace of its own (needs root and ip).
func startDeployFixtureNet(t *testing.T, name string, n int) *deployFixture {
	t.Helper()
	nt := harness.NewNet(t, n+1)
	node := harness.StartNode(t, bins, "cp", filepath.Join(t.TempDir(), "cp"), harness.NodeOptions{Token: testToken, Net: nt, Host: 1,
		Args: []string{"--engine-heartbeat-interval", "1s", "--engine-heartbeat-timeout", "5s"}})
	node.WaitReady(t, testToken, 30*time.Second)
	cp := &engCluster{t: t, http: node.HTTPAddr, quic: node.QUICAddr, token: testToken, agent: bins.Engine}
	var envs []struct{ ID string }
	if err := harness.NewClient(node.HTTPAddr, testToken).JSON("GET", "/orchestration/environments?name=default", nil, &envs); err != nil || len(envs) != 1 {
		t.Fatalf("default environment: %v", err)
	}
	cp.environmentID = envs[0].ID
	return newDeployFixture(t, cp, nt, name, n)
}

func newDeployFixture(t *testing.T, cp *engCluster, nt *harness.Net, name string, n int) *deployFixture {
	t.Helper()
	fleet, err := deploymentstest.NewFleet("http://"+cp.http, cp.token, cp.quic)
	if err != nil {
		t.Fatal(err)
	}
	f := &deployFixture{t: t, cp: cp, fleet: fleet, net: nt, hosts: 1}
	const path = "/processing/runtimes/remote-engine-clusters"
	var c struct {
		ID string `json:"id"`
	}
	f.must(f.fleet.API.Do("POST", path, map[string]any{"name": name, "environmentId": fleet.Env}, &c))
	f.clusterID = c.ID
	for i := range n {
		f.join(f.startEngine(fmt.Sprintf("%s-%d", name, i+1), ""))
	}
	f.must(f.fleet.API.Do("POST", path+"/"+c.ID+"/run-profiles", map[string]any{"name": "services", "type": state.RunProfileMicroservice}, nil))
	return f
}

const clustersPath = "/processing/runtimes/remote-engine-clusters/"

// join puts e in the fixture's cluster.
func (f *deployFixture) join(e *deployEngine) {
	f.t.Helper()
	f.must(f.fleet.API.Do("PUT", clustersPath+f.clusterID+"/engines/"+e.id, nil, nil))
	f.engines = append(f.engines, e)
}

func (f *deployFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// startEngine creates, pairs and runs an engine and waits until it is
// AVAILABLE. Its services outlive the agent by design, so whatever still
// runs from its data dir is killed when the test ends.
func (f *deployFixture) startEngine(name, bin string) *deployEngine {
	f.t.Helper()
	v := f.cp.createEngine(name, 0)
	e := &deployEngine{name: name, id: v.ID, dir: filepath.Join(shortTempDir(f.t), "e"), bin: bin, addr: "127.0.0.1"}
	f.t.Cleanup(func() {
		for _, pid := range engineProcesses(e.dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if f.net != nil {
		f.hosts++
		f.runOnHost(e, f.hosts, v.PreAuthorizedKey)
		return e
	}
	if code, out := f.cp.pair(e.dir, v.PreAuthorizedKey); code != 0 {
		f.t.Fatalf("pair %s: exit %d: %s", name, code, out)
	}
	f.run(e)
	return e
}

// run starts e's agent and waits until the engine is AVAILABLE (generous:
// the test machine is shared and loaded).
func (f *deployFixture) run(e *deployEngine) {
	f.t.Helper()
	if e.bin == "" {
		e.proc = f.cp.run(e.dir)
	} else {
		e.proc = engStart(f.t, nil, e.bin, "run", "--data-dir", e.dir, "--log-level", "warn")
	}
	engEventually(f.t, 30*time.Second, e.name+" AVAILABLE", func() bool { return f.cp.engine(e.id).Availability == state.EngineAvailable })
}

// runOnHost pairs and runs e in network host host.
func (f *deployFixture) runOnHost(e *deployEngine, host int, key string) {
	f.t.Helper()
	e.addr = f.net.Addr(host)
	bin, args := f.net.Wrap(host, bins.Engine, "pair", "--server", f.cp.quic, "--key", key, "--data-dir", e.dir)
	pair := harness.Start(f.t, "pair "+e.name, bin, nil, args...)
	harness.WaitFor(f.t, "pairing "+e.name, 30*time.Second, pair.Exited)
	if pair.ExitCode() != 0 {
		f.t.Fatalf("pair %s: exit %d: %s", e.name, pair.ExitCode(), pair.Output())
	}
	bin, args = f.net.Wrap(host, bins.Engine, "run", "--data-dir", e.dir, "--log-level", "warn")
	harness.Start(f.t, "engine "+e.name, bin, nil, args...)
	engEventually(f.t, 30*time.Second, e.name+" AVAILABLE", func() bool { return f.cp.engine(e.id).Availability == state.EngineAvailable })
}

// workloadProcesses are the live processes of an engine's workloads (its
// services and their plugins), not its idle pre-started job plugins.
func workloadProcesses(dataDir string) []int {
	return engineProcesses(filepath.Join(dataDir, "rt", "workloads"))
}

// engineProcesses are the live processes working in an engine's data dir:
// its workload plugins and the services they run (not the agent, whose
// working directory is the test's).
func engineProcesses(dataDir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || !processAlive(pid) {
			continue
		}
		if cwd, err := os.Readlink("/proc/" + ent.Name() + "/cwd"); err == nil && strings.HasPrefix(cwd, dataDir+"/") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// publish uploads the versionsvc data service as artifact name at version
// with extra files (see versionsvc: "broken", "start-delay") and returns
// the artifact ID.
func (f *deployFixture) publish(name, version string, extra map[string]string) string {
	f.t.Helper()
	svc, err := versionsvc()
	if err != nil {
		f.t.Fatal(err)
	}
	bin, err := os.ReadFile(svc)
	if err != nil {
		f.t.Fatal(err)
	}
	src := f.t.TempDir()
	files := map[string]string{"svc": string(bin), "version": version,
		"artifact.json": `{"name": "` + name + `", "version": "` + version + `", "type": "data-service", "binaryType": "microservice",
		"entrypoint": ["./svc"], "healthPath": "/health"}`}
	for file, body := range extra {
		files[file] = body
	}
	for file, body := range files {
		if err := os.WriteFile(filepath.Join(src, file), []byte(body), 0o755); err != nil {
			f.t.Fatal(err)
		}
	}
	archive := filepath.Join(f.t.TempDir(), name+".tar.gz")
	if out, err := exec.Command(bins.Server, "artifact", "build", src, "-o", archive).CombinedOutput(); err != nil {
		f.t.Fatalf("artifact build: %v: %s", err, out)
	}
	raw, err := os.ReadFile(archive)
	if err != nil {
		f.t.Fatal(err)
	}
	var pub state.ArtifactPublishResult
	f.must(f.fleet.API.Do("POST", "/orchestration/artifacts", raw, &pub))
	return pub.ID
}

// serviceTask publishes versions of a service (with extra files by
// version) and makes a task of the first on the cluster with the run
// config's deployment settings.
func (f *deployFixture) serviceTask(name string, versions []string, extra map[string]map[string]string, settings map[string]any) string {
	f.t.Helper()
	var artifactID string
	for _, v := range versions {
		artifactID = f.publish(name, v, extra[v])
	}
	rc := map[string]any{"runtime": map[string]any{"type": state.RuntimeEngineCluster, "id": f.clusterID}}
	for k, v := range settings {
		rc[k] = v
	}
	id, err := f.fleet.ServiceTask(name, artifactID, versions[0], rc)
	f.must(err)
	return id
}

func (f *deployFixture) deploy(taskID string) {
	f.t.Helper()
	f.must(f.fleet.API.Do("POST", tasksPath+taskID+"/deploy", nil, nil))
}

const tasksPath = "/orchestration/executables/tasks/"

func (f *deployFixture) deployments(taskID string) []deploymentstest.Deployment {
	f.t.Helper()
	d, err := f.fleet.Deployments(taskID)
	f.must(err)
	return d
}

// waitRollout waits until the task's newest rollout has ended.
func (f *deployFixture) waitRollout(taskID string, within time.Duration) deploymentstest.Rollout {
	f.t.Helper()
	var r deploymentstest.Rollout
	engEventually(f.t, within, "rollout of task "+taskID+" ended", func() bool {
		var err error
		r, err = f.fleet.LastRollout(taskID)
		return err == nil && r.Status != state.RolloutInProgress
	})
	return r
}

// waitAll waits until every engine's record has status and version ("":
// any) and is healthy when RUNNING, and returns them.
func (f *deployFixture) waitAll(taskID, status, version string, within time.Duration) []deploymentstest.Deployment {
	f.t.Helper()
	var last []deploymentstest.Deployment
	engEventually(f.t, within, fmt.Sprintf("every engine %s %s", status, version), func() bool {
		var err error
		if last, err = f.fleet.Deployments(taskID); err != nil || len(last) != len(f.engines) {
			return false
		}
		for _, d := range last {
			if d.Status != status || (version != "" && d.ArtifactVersion != version) || (status == "RUNNING" && !d.Healthy) {
				return false
			}
		}
		return true
	})
	return last
}

// undeployAll undeploys the task everywhere and waits until no process of
// any engine's workloads is left.
func (f *deployFixture) undeployAll(taskID string) {
	f.t.Helper()
	f.must(f.fleet.API.Do("POST", tasksPath+taskID+"/undeploy", nil, nil))
	f.waitAll(taskID, "UNDEPLOYED", "", 60*time.Second)
}

func (f *deployFixture) byID(id string) *deployEngine {
	f.t.Helper()
	for _, e := range f.engines {
		if e.id == id {
			return e
		}
	}
	f.t.Fatalf("no engine %s", id)
	return nil
}

// httpGetAt is GET / of the service at addr:port.
func httpGetAt(addr string, port int) (string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + net.JoinHostPort(addr, strconv.Itoa(port)) + "/")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// describe is each pid with its command line, for a failure message.
func describe(pids []int) []string {
	var out []string
	for _, pid := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		cwd, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd")
		out = append(out, fmt.Sprintf("%d %q in %s", pid, strings.ReplaceAll(string(b), "\x00", " "), cwd))
	}
	return out
}
