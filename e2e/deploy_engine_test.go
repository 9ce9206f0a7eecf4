package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// roleWeb makes the test binary a service program: GET / answers
// $VERSION, GET /health 200; it writes its pid to $PIDFILE.
const roleWeb = "rh-e2e-web"

func serveWeb() {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, os.Getenv("VERSION")) })
	_ = os.WriteFile(os.Getenv("PIDFILE"), []byte(strconv.Itoa(os.Getpid())), 0o600)
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: mux}
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		<-ch
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// serviceArtifact builds a data-service artifact with `roundhouse
// artifact build` and offers it on the stand-in control plane.
func serviceArtifact(t *testing.T, cp *deployCP, name, version string) protocol.ArtifactRef {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	manifest := `{"name": "` + name + `", "version": "` + version + `", "type": "data-service", "binaryType": "microservice",
	"entrypoint": ["./run.sh"], "parameters": {"VERSION": "` + version + `", "PIDFILE": "/dev/null"}}`
	for file, body := range map[string]string{"artifact.json": manifest, "run.sh": "#!/bin/sh\nexec " + self + " " + roleWeb + "\n"} {
		if err := os.WriteFile(filepath.Join(src, file), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), name+".tar.gz")
	if msg, err := exec.Command(bins.Server, "artifact", "build", src, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("artifact build: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	cp.mu.Lock()
	cp.artifacts[digest] = b
	cp.mu.Unlock()
	return protocol.ArtifactRef{Digest: digest, Size: int64(len(b)), Name: name, Version: version}
}

func httpGet(port int, path string) (string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(port) + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// processAlive is false for a pid that is gone or a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// Issue 9 at the process level: a real roundhouse-engine running a
// deployed data service is killed -9 and started again; the service
// answers throughout, the new engine reports it RUNNING on the same port,
// and it still controls it (undeploy frees the port).
func TestDeployedServiceSurvivesEngineKill9(t *testing.T) {
	cp := startDeployCP(t)
	dir := filepath.Join(shortTempDir(t), "e")
	if out, err := exec.Command(bins.Engine, "pair", "--server", cp.addr(), "--key", cp.key(), "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("pair: %v\n%s", err, out)
	}
	engine := engStart(t, nil, bins.Engine, "run", "--data-dir", dir, "--log-level", "warn")
	engEventually(t, 10*time.Second, "the engine's work stream", func() bool { return cp.sessionCount() >= 1 })

	pidFile := filepath.Join(t.TempDir(), "svc.pid")
	cp.push(&protocol.Deploy{DeploymentID: "dep-e2e", TaskID: "task-e2e", Artifact: serviceArtifact(t, cp, "inventory", "2.5"),
		BinaryType: "microservice", HealthTimeoutMillis: 20_000, Parameters: map[string]string{"PIDFILE": pidFile}})
	engEventually(t, 30*time.Second, "RUNNING", func() bool { return cp.last("dep-e2e").Status == protocol.DeployRunning })
	port := cp.last("dep-e2e").Port
	var pid int
	engEventually(t, 5*time.Second, "the service's pid", func() bool {
		b, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(string(b))
		return pid > 0
	})
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // if the test fails before the undeploy

	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var client sync.WaitGroup
	client.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if body, err := httpGet(port, "/"); err == nil && body == "2.5" {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
		}
	})
	before := cp.sessionCount()
	engine.kill9()
	engStart(t, nil, bins.Engine, "run", "--data-dir", dir, "--log-level", "warn")
	engEventually(t, 30*time.Second, "the restarted engine reports the deployment RUNNING on its port", func() bool {
		st, found := cp.reported(before, "dep-e2e")
		return found && st.Status == protocol.DeployRunning && st.Port == port
	})
	served := ok.Load()
	engEventually(t, 5*time.Second, "requests after the restart", func() bool { return ok.Load() > served+10 })
	close(stop)
	client.Wait()
	if failed.Load() != 0 || !processAlive(pid) {
		t.Fatalf("across kill -9: %d of %d requests failed; service process alive %v", failed.Load(), ok.Load()+failed.Load(), processAlive(pid))
	}

	cp.push(&protocol.Undeploy{DeploymentID: "dep-e2e", TaskID: "task-e2e"})
	engEventually(t, 30*time.Second, "UNDEPLOYED", func() bool { return cp.last("dep-e2e").Status == protocol.DeployUndeployed })
	engEventually(t, 5*time.Second, "process gone, port free", func() bool {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			ln.Close()
		}
		return err == nil && !processAlive(pid)
	})
}
