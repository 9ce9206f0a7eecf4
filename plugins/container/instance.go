package container

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/plugins/sdk"
)

// instance is one running process of a bundle version.
type instance struct {
	proc  *sdk.Process
	port  int
	proxy *httputil.ReverseProxy

	mu       sync.Mutex
	inflight int
	closed   bool
	idle     *sync.Cond
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startInstance(spec plugins.BundleSpec, workDir string, sink func(stream, text string, truncated bool)) (*instance, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("bundle %s: pick a port: %w", spec.Name, err)
	}
	env := map[string]string{}
	for k, v := range spec.Env {
		env[k] = v
	}
	env["PORT"] = strconv.Itoa(port)
	env["BUNDLE_PATH"] = "/" + spec.Name
	proc, err := sdk.StartProcess(sdk.ProcessSpec{Command: spec.Command, Dir: workDir, Env: env}, sink)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", spec.Name, err)
	}
	target := &url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(port)}
	in := &instance{proc: proc, port: port, proxy: httputil.NewSingleHostReverseProxy(target)}
	in.idle = sync.NewCond(&in.mu)
	return in, nil
}

// waitHealthy polls the health path until it answers 200, the process
// exits, or ctx ends.
func (in *instance) waitHealthy(ctx context.Context, client *http.Client, path string) error {
	u := "http://127.0.0.1:" + strconv.Itoa(in.port) + path
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-in.proc.Done():
			o := in.proc.Outcome()
			return fmt.Errorf("exited before it was healthy (exit %d %s)", o.ExitCode, o.Signal)
		case <-ctx.Done():
			return fmt.Errorf("not healthy at %s: %w", path, ctx.Err())
		case <-tick.C:
		}
	}
}

// acquire counts a request in; false once the instance is draining.
func (in *instance) acquire() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return false
	}
	in.inflight++
	return true
}

func (in *instance) release() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.inflight--
	if in.inflight == 0 {
		in.idle.Broadcast()
	}
}

// drainAndStop refuses new requests, waits for the in-flight ones (they
// keep their connection to this instance) and stops the process.
func (in *instance) drainAndStop(grace time.Duration) {
	expired := false
	t := time.AfterFunc(grace, func() {
		in.mu.Lock()
		expired = true
		in.idle.Broadcast()
		in.mu.Unlock()
	})
	defer t.Stop()
	in.mu.Lock()
	in.closed = true
	for in.inflight > 0 && !expired {
		in.idle.Wait()
	}
	in.mu.Unlock()
	in.proc.Stop(grace)
}
