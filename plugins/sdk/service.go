package sdk

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// ServiceServer serves an http.Handler as a plugins.Service: it listens on
// the assigned port, answers the health path, and counts requests.
type ServiceServer struct {
	handler   http.Handler
	meter     RequestMeter
	logs      *LogBuffer
	mu        sync.Mutex
	srv       *http.Server
	state     string
	done      chan struct{}
	drained   chan struct{} // closed once Stop's Shutdown has returned
	drainOnce sync.Once
	out       plugins.Outcome
}

// NewServiceServer wraps h.
func NewServiceServer(h http.Handler) *ServiceServer {
	return &ServiceServer{handler: h, logs: NewLogBuffer(0), state: plugins.StateStarting, done: make(chan struct{}), drained: make(chan struct{})}
}

// Logf adds one line to the service's log.
func (s *ServiceServer) Logf(format string, args ...any) {
	s.logs.Append("service", fmt.Sprintf(format, args...), false)
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) { r.code = code; r.ResponseWriter.WriteHeader(code) }

// Start implements plugins.Workload.
func (s *ServiceServer) Start(_ context.Context, req plugins.StartRequest) (plugins.StartInfo, error) {
	health := req.HealthPath
	if health == "" {
		health = "/health"
	}
	mux := http.NewServeMux()
	mux.HandleFunc(health, func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.Handle("/", s.handler)
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: 200}
		start := time.Now()
		mux.ServeHTTP(rec, r)
		if r.URL.Path != health {
			now := time.Now()
			s.meter.Observe(now, now.Sub(start), rec.code >= 500)
		}
	})
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(req.Port))
	if err != nil {
		return plugins.StartInfo{}, fmt.Errorf("listen on port %d: %w", req.Port, err)
	}
	s.mu.Lock()
	s.srv = &http.Server{Handler: counted, ReadHeaderTimeout: 10 * time.Second}
	s.state = plugins.StateRunning
	srv := s.srv
	s.mu.Unlock()
	s.Logf("listening on %s", ln.Addr())
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			// Serve returns as soon as Shutdown starts; the outcome (after
			// which the host kills the plugin) waits for in-flight requests.
			<-s.drained
		}
		out := plugins.Outcome{EndedAt: time.Now().UTC()}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			out.ExitCode, out.Error = 1, err.Error()
		}
		s.mu.Lock()
		out.Stopped = s.state == plugins.StateStopping
		s.out, s.state = out, plugins.StateExited
		s.mu.Unlock()
		s.logs.Close()
		close(s.done)
	}()
	return plugins.StartInfo{}, nil
}

// Wait implements plugins.Workload.
func (s *ServiceServer) Wait(ctx context.Context) (plugins.Outcome, error) {
	select {
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.out, nil
	case <-ctx.Done():
		return plugins.Outcome{}, ctx.Err()
	}
}

// Stop implements plugins.Workload: in-flight requests get req.Grace.
func (s *ServiceServer) Stop(ctx context.Context, req plugins.StopRequest) error {
	s.mu.Lock()
	srv := s.srv
	if s.state == plugins.StateRunning {
		s.state = plugins.StateStopping
	}
	s.mu.Unlock()
	if srv == nil {
		return errors.New("service not started")
	}
	sctx, cancel := context.WithTimeout(ctx, req.Grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	s.drainOnce.Do(func() { close(s.drained) })
	<-s.done
	return nil
}

// Status implements plugins.Workload.
func (s *ServiceServer) Status(context.Context) (plugins.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return plugins.Status{State: s.state, Healthy: s.state == plugins.StateRunning, Metrics: s.meter.Snapshot(time.Now())}, nil
}

// Logs implements plugins.Workload.
func (s *ServiceServer) Logs(ctx context.Context, req plugins.LogsRequest, send func(plugins.LogLine) error) error {
	return s.logs.Follow(ctx, req.From, send)
}
