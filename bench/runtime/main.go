// Command runtime measures the engine runtime: how long a no-op job takes
// from "start job" to its process running, from its exit to the result,
// and how many no-op jobs per second one Supervisor completes. It serves
// its own built-in plugins by re-executing itself, as roundhouse-engine
// does. It prints a markdown section.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/plugins/builtin"
	"github.com/roundhouse/roundhouse/runtime"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "plugin" {
		if err := builtin.Serve(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	n := flag.Int("n", 200, "sequential no-op jobs for the latency figures")
	total := flag.Int("jobs", 1000, "no-op jobs per throughput run")
	caps := flag.String("concurrency", "3,8", "comma-separated concurrency caps for the throughput runs")
	cgroups := flag.String("cgroups", runtime.CgroupsAuto, "auto, v1, v2 or off")
	warm := flag.Int("warm", 0, "warm plugins (0: the supervisor's default, -1: none, every job starts a plugin process)")
	flag.Parse()
	if err := run(*n, *total, *caps, *cgroups, *warm); err != nil {
		fmt.Fprintln(os.Stderr, "bench runtime:", err)
		os.Exit(1)
	}
}

func newSupervisor(cap int, cgroups string, warm int) (*runtime.Supervisor, func(), error) {
	dir, err := os.MkdirTemp("", "rhb")
	if err != nil {
		return nil, nil, err
	}
	s, err := runtime.New(runtime.Config{
		StateDir: dir, MaxConcurrentJobs: cap, Cgroups: cgroups, WarmPlugins: warm,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return s, func() { s.Close(); os.RemoveAll(dir) }, nil
}

// noop is a job whose process does nothing; limits make the supervisor
// create its cgroup as a real run profile would.
func noop(id string) runtime.Spec {
	return runtime.Spec{ID: id, Entrypoint: []string{"/bin/true"}, Limits: runtime.Limits{MemoryMB: 256, MaxProcesses: 32, MaxOpenFiles: 256}}
}

func run(n, total int, caps, cgroups string, warm int) error {
	s, done, err := newSupervisor(3, cgroups, warm)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var toRunning, toResult []time.Duration
	for i := 0; i < n; i++ {
		id := "lat" + strconv.Itoa(i)
		t0 := time.Now()
		h, err := s.StartJob(ctx, noop(id))
		if err != nil {
			return err
		}
		toRunning = append(toRunning, time.Since(t0))
		r, err := h.Wait(ctx)
		if err != nil || r.Status != runtime.StatusSucceeded {
			return fmt.Errorf("job %s: %+v %v", id, r, err)
		}
		toResult = append(toResult, time.Since(r.EndedAt))
		if err := s.Release(id); err != nil {
			return err
		}
	}
	cg := s.CgroupVersion()
	done()
	if cg == "" {
		cg = "none"
	}
	pool := "warm plugin pool, reused"
	if warm < 0 {
		pool = "no warm pool: one new plugin process per job"
	}
	fmt.Printf("## Engine runtime (no-op job, go-plugin `exec`, cgroups: %s, %s)\n\n", cg, pool)
	fmt.Printf("Host load average at start: %s (the figures are only as quiet as the host).\n\n", loadavg())
	fmt.Println("| measure | p50 | p99 | max | runs |")
	fmt.Println("|---|---|---|---|---|")
	row("start job → process running", toRunning)
	row("process exit → result", toResult)
	fmt.Println()
	fmt.Println("Throughput: jobs submitted by as many goroutines as the cap, each start → result → Release.")
	fmt.Println()
	fmt.Println("| concurrency cap | jobs | wall time | jobs/s |")
	fmt.Println("|---|---|---|---|")
	for _, c := range strings.Split(caps, ",") {
		cap, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil {
			return fmt.Errorf("concurrency %q: %w", c, err)
		}
		wall, err := throughput(ctx, cap, total, cgroups, warm)
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %d | %s | %.0f |\n", cap, total, wall.Round(time.Millisecond), float64(total)/wall.Seconds())
	}
	return nil
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

func row(name string, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	pct := func(p float64) time.Duration { return d[int(p*float64(len(d)-1))] }
	fmt.Printf("| %s | %s | %s | %s | %d |\n", name, ms(pct(0.5)), ms(pct(0.99)), ms(d[len(d)-1]), len(d))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// throughput runs total jobs through a supervisor with the given cap,
// from as many submitters as the cap, and returns the wall time.
func throughput(ctx context.Context, cap, total int, cgroups string, warm int) (time.Duration, error) {
	s, done, err := newSupervisor(cap, cgroups, warm)
	if err != nil {
		return 0, err
	}
	defer done()
	jobs := make(chan int)
	errs := make(chan error, cap)
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < cap; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				id := "tp" + strconv.Itoa(i)
				h, err := s.StartJob(ctx, noop(id))
				if err == nil {
					_, err = h.Wait(ctx)
				}
				if err == nil {
					err = s.Release(id)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < total; i++ {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return 0, err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return time.Since(start), nil
}
