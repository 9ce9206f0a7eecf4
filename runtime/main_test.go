//go:build linux

package runtime

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/plugins/builtin"
	"github.com/roundhouse/roundhouse/plugins/sdk"
)

// The test binary doubles as every process the tests need: built-in
// plugins, workload programs and a small "agent" that owns a Supervisor.
// os.Args[1] picks the role.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		if role, ok := roles[os.Args[1]]; ok {
			role(os.Args[2:])
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

var roles = map[string]func(args []string){
	"rh-plugin": func(a []string) {
		if err := builtin.Serve(a[0]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	},
	"rh-alloc": func(a []string) {
		mb, _ := strconv.Atoi(a[0])
		var keep [][]byte
		for i := 0; i < mb; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = byte(j)
			}
			keep = append(keep, b)
		}
		fmt.Println("allocated", len(keep), "MB")
	},
	"rh-burn": func(a []string) {
		d, _ := time.ParseDuration(a[0])
		start := time.Now()
		for time.Since(start) < d {
		}
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf("cpu=%f wall=%f\n", cpu.Seconds(), time.Since(start).Seconds())
	},
	"rh-sleep": func([]string) { time.Sleep(time.Hour) },
	"rh-tree": func(a []string) {
		// Three children: one in our group, one in a new session (escapes
		// the group, not the cgroup), one grandchild via sh.
		for i, setsid := range []bool{false, a[1] == "setsid"} {
			c := exec.Command(os.Args[0], "rh-sleep", a[0], strconv.Itoa(i))
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: setsid}
			c.Start()
		}
		exec.Command("sh", "-c", os.Args[0]+" rh-sleep "+a[0]+" sh").Start()
		fmt.Println("tree started")
		time.Sleep(time.Hour)
	},
	"rh-wait": func(a []string) {
		for {
			if _, err := os.Stat(a[0]); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		fmt.Println("##roundhouse rows processed=42 rejected=1")
	},
	"rh-web": func([]string) {
		mux := http.NewServeMux()
		mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
		mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, os.Getenv("VERSION")) })
		srv := &http.Server{Addr: ":" + os.Getenv("PORT"), Handler: mux}
		go func() {
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, syscall.SIGTERM)
			<-ch
			srv.Shutdown(context.Background())
		}()
		fmt.Println("serving", os.Getenv("VERSION"))
		if err := srv.ListenAndServe(); err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	},
	"rh-crash": func([]string) {
		fmt.Fprintln(os.Stderr, "boom: plugin crashed at start")
		os.Exit(3)
	},
	"rh-badshake": func([]string) {
		fmt.Println("1|99|unix|/nonexistent.sock|grpc|")
		time.Sleep(time.Hour)
	},
	"rh-sdkjob": func([]string) {
		sdk.ServeJob(func(ctx context.Context, run *sdk.Run) (sdk.Rows, error) {
			run.Logf("hello from %s", run.Param("WHO", "nobody"))
			return sdk.Rows{Processed: 7, Rejected: 0}, nil
		})
	},
	"rh-sdkcrash": func([]string) {
		sdk.ServeJob(func(ctx context.Context, run *sdk.Run) (sdk.Rows, error) {
			// Not a recovered panic: a crash of the whole process.
			go func() { time.Sleep(300 * time.Millisecond); panic("disk on fire") }()
			<-ctx.Done()
			return sdk.Rows{}, nil
		})
	},
	"rh-agent": runTestAgent,
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testPluginCommand starts built-in plugins from the test binary.
func testPluginCommand(name string) []string { return []string{os.Args[0], "rh-plugin", name} }

// self is a command line running this test binary in a role.
func self(role string, args ...string) []string {
	return append([]string{os.Args[0], role}, args...)
}

// shortTempDir is a state dir short enough for unix socket paths.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func newTestSupervisor(t *testing.T, mutate func(*Config)) (*Supervisor, *logSink) {
	t.Helper()
	logs := &logSink{}
	cfg := Config{StateDir: shortTempDir(t), PluginCommand: testPluginCommand, OnLog: logs.add, StopGrace: time.Second, Logger: quietLogger()}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, in := range s.List() {
			if in.State != StateExited {
				s.Stop(ctx, in.ID)
			}
		}
		s.Close()
	})
	return s, logs
}

func marker() string { return fmt.Sprintf("rhmark%d", time.Now().UnixNano()) }

// procsWith lists live processes whose command line contains s.
func procsWith(s string) []int {
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(d + "/cmdline")
		if err != nil || !strings.Contains(string(cmd), s) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		if pid == os.Getpid() {
			continue
		}
		if _, state, err := readStat(pid); err == nil && state != 'Z' {
			out = append(out, pid)
		}
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func noStrays(t *testing.T, mark string) {
	t.Helper()
	eventually(t, 5*time.Second, "no process left with "+mark, func() bool { return len(procsWith(mark)) == 0 })
}

func needCgroups(t *testing.T, s *Supervisor) {
	t.Helper()
	if s.CgroupVersion() == "" {
		_, why := detectCgroups(CgroupsAuto, "roundhouse")
		t.Skipf("cgroup limits unavailable on this host (%s): needs root and cgroup v1 or v2 controllers", why)
	}
}

// lineReader reads a child's stdout lines into a channel.
func lineReader(t *testing.T, r *bufio.Scanner) <-chan string {
	ch := make(chan string, 100)
	go func() {
		defer close(ch)
		for r.Scan() {
			ch <- r.Text()
		}
	}()
	return ch
}

// killMarked SIGKILLs what a failed test may have left running.
func killMarked(mark string) {
	for _, pid := range procsWith(mark) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}
