// Command versionsvc is the data service the deployment end-to-end tests
// deploy: it serves on 127.0.0.1:$PORT, answers GET / with the content of
// the file "version" next to its executable (so the version served is the
// artifact's, whatever the task's parameters), answers GET /health 200
// unless a file "broken" lies there, starts listening only after the
// duration in a file "start-delay" if there is one (a slow start that
// leaves a test time to act while it deploys), and on SIGTERM stops
// accepting and
// finishes the requests in flight before it exits. GET /?sleepMs=N answers after N ms,
// so a test can have requests in flight while an instance stops.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

func main() {
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	version, err := os.ReadFile(filepath.Join(filepath.Dir(exe), "version"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = os.Stat(filepath.Join(filepath.Dir(exe), "broken"))
	broken := err == nil
	if raw, err := os.ReadFile(filepath.Join(filepath.Dir(exe), "start-delay")); err == nil {
		d, err := time.ParseDuration(string(raw))
		if err != nil {
			log.Fatal(err)
		}
		time.Sleep(d)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		if broken {
			http.Error(w, "broken on purpose", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if ms, err := strconv.Atoi(r.URL.Query().Get("sleepMs")); err == nil && ms > 0 {
			time.Sleep(time.Duration(ms) * time.Millisecond)
		}
		w.Write(version)
	})
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) // drains the requests in flight
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-done
}
