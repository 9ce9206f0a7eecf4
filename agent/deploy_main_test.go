package agent

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/plugins/builtin"
)

// The test binary doubles as the processes deployments need: the
// built-in plugins ("rh-plugin NAME") and a service program ("rh-web").
// Every other test keeps the runtime away from it (PluginCommand
// /bin/false).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "rh-plugin":
			if err := builtin.Serve(os.Args[2]); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(0)
		case "rh-web":
			serveWeb()
			os.Exit(0)
		case "rh-agent":
			runTestAgent(os.Args[2], os.Args[3])
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// serveWeb is a service artifact's program: GET / answers $VERSION,
// GET /health 200 unless $MODE is "sick" or the file $SICKFILE exists,
// GET /slow once the file $RELEASE exists.
// It writes its pid to $PIDFILE and drains on SIGTERM.
func serveWeb() {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := os.Stat(os.Getenv("SICKFILE")); err == nil || os.Getenv("MODE") == "sick" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, os.Getenv("VERSION")) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		// In flight until the test creates $RELEASE: for drain checks.
		_ = os.WriteFile(os.Getenv("ENTERED"), nil, 0o600)
		for {
			if _, err := os.Stat(os.Getenv("RELEASE")); err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		fmt.Fprint(w, "slow done")
	})
	if f := os.Getenv("PIDFILE"); f != "" {
		_ = os.WriteFile(f, []byte(strconv.Itoa(os.Getpid())), 0o600)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux}
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		<-ch
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// runTestAgent is an engine process over a paired data dir, until it is
// signalled (or killed).
func runTestAgent(dataDir, rtDir string) {
	a, err := New(deployTestConfig(link.Store{Dir: dataDir}, rtDir))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
