// Command console times the web console's two largest lists on an
// in-process single-node control plane: the first page of the engines
// page with -engines engines, and of the operations page with
// -executions finished executions, each fetched -n times by a browser
// session (cookie signed in with a token) as a person opening the page
// would. It prints a markdown section with p50 and p99 of each and fails
// when a p99 is over -budget (200 ms).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
)

const token = "rhp_bench-console-token-0123456789abcdefghijklmno"

func main() {
	engines := flag.Int("engines", 10_000, "engines in the list")
	execs := flag.Int("executions", 100_000, "finished executions in the operations list")
	n := flag.Int("n", 200, "page loads timed per page")
	clients := flag.Int("clients", 8, "concurrent API clients while seeding")
	budget := flag.Duration("budget", 200*time.Millisecond, "the most a first page may take (p99)")
	flag.Parse()
	if err := run(*engines, *execs, *n, *clients, *budget); err != nil {
		fmt.Fprintln(os.Stderr, "bench console:", err)
		os.Exit(1)
	}
}

func run(engineCount, execCount, n, clients int, budget time.Duration) error {
	dir, err := os.MkdirTemp("", "bench-console-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	directory := executionstest.NewDirectory()
	srv, stop, err := benchkit.RunServer(controlplane.Config{DataDir: dir, BootstrapToken: token,
		Executions: executions.Config{Engines: directory, Rescan: 50 * time.Millisecond}})
	if err != nil {
		return err
	}
	defer stop()
	c := benchkit.NewClient(srv.Addr(), token, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}})
	env, taskID, err := prepare(c, directory)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	engine := &executionstest.Engine{ID: "engine-0", Execs: srv.Executions(), Read: srv.Node().Read}
	go engine.Run(ctx)

	seedStart := time.Now()
	if err := parallel(engineCount, clients, func(i int) error {
		_, err := c.Engines().Create(ctx, api.EngineCreate{Name: fmt.Sprintf("engine-%06d", i), EnvironmentID: env})
		return err
	}); err != nil {
		return fmt.Errorf("create engines: %w", err)
	}
	// Each client waits for its execution's end before the next, as the
	// task's queue holds at most 50 pending executions.
	if err := parallel(execCount, clients, func(int) error {
		started, err := c.Tasks().Run(ctx, taskID, api.RunRequest{})
		if err != nil {
			return err
		}
		_, err = c.Executions().Wait(ctx, started.ExecutionID, 5*time.Millisecond, nil)
		return err
	}); err != nil {
		return fmt.Errorf("run executions: %w", err)
	}
	seeded := time.Since(seedStart)

	browser, err := signIn("http://" + srv.Addr())
	if err != nil {
		return err
	}
	base := "http://" + srv.Addr()
	pages := []struct{ name, path string }{
		{fmt.Sprintf("Engines, first page of %d engines", engineCount), "/console/engines"},
		{fmt.Sprintf("Operations, first page of %d executions", execCount), "/console/executions"},
	}
	fmt.Println("## Console: first page of the largest lists")
	fmt.Println()
	fmt.Printf("One in-process node; %d engines and %d executions created through the API in %s; each page fetched %d times, one at a time, "+
		"by a signed-in browser session (whole HTML answer read).\n\n", engineCount, execCount, seeded.Round(time.Second), n)
	fmt.Println("| page | p50 | p99 | max |")
	fmt.Println("|---|---|---|---|")
	var over []string
	for _, p := range pages {
		times, err := timePage(browser, base+p.path, n)
		if err != nil {
			return err
		}
		p50, p99, most := quantile(times, 0.50), quantile(times, 0.99), times[len(times)-1]
		fmt.Printf("| %s | %s | %s | %s |\n", p.name, ms(p50), ms(p99), ms(most))
		if p99 > budget {
			over = append(over, fmt.Sprintf("%s: p99 %s over %s", p.name, ms(p99), budget))
		}
	}
	fmt.Println()
	if len(over) > 0 {
		return fmt.Errorf("%s", strings.Join(over, "; "))
	}
	return nil
}

// prepare waits for the API, grants the token's user the shared
// workspace, and makes a no-op job task on the fake engine.
func prepare(c *api.Client, directory *executionstest.Directory) (env, taskID string, err error) {
	ctx := context.Background()
	err = benchkit.WaitUntil(ctx, "the API", 20*time.Second, func() bool {
		envs, err := c.Environments().List(ctx, "default")
		return err == nil && len(envs) > 0
	})
	if err != nil {
		return "", "", err
	}
	env, _, err = executionstest.SharedWorkspace(c.Address(), token)
	if err != nil {
		return "", "", err
	}
	directory.AddEngine("engine-0", env)
	archive, err := executionstest.Archive(executionstest.JobManifest("noop", "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	if err != nil {
		return "", "", err
	}
	pub, err := c.Artifacts().Upload(ctx, "", strings.NewReader(string(archive)), int64(len(archive)))
	if err != nil {
		return "", "", err
	}
	rc := api.RunConfig{Runtime: api.TaskRuntime{Type: api.RuntimeEngine, ID: "engine-0"}, ParallelExecutionAllowed: true, TimeoutMinutes: 60}
	return env, pub.TaskID, c.Tasks().SetRunConfig(ctx, pub.TaskID, rc)
}

// parallel runs do(0..n-1) on `workers` goroutines and returns the first error.
func parallel(n, workers int, do func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := do(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// signIn signs a cookie-keeping client in through the console's form with
// the token, as a browser would.
func signIn(base string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(base + "/console/signin")
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	u, _ := url.Parse(base + "/console/")
	nonce := ""
	for _, ck := range jar.Cookies(u) {
		if strings.Contains(ck.Name, "signin") {
			nonce = ck.Value
		}
	}
	resp, err = hc.PostForm(base+"/console/signin", url.Values{"method": {"token"}, "token": {token}, "csrf": {nonce}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console/" {
		return nil, fmt.Errorf("sign in: %s at %s", resp.Status, resp.Request.URL.Path)
	}
	return hc, nil
}

// timePage fetches page n times and returns the durations, sorted.
func timePage(hc *http.Client, page string, n int) ([]time.Duration, error) {
	times := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		resp, err := hc.Get(page)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s %v", page, resp.Status, err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times, nil
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
