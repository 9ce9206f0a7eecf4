package builtin

import (
	"context"
	"errors"
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

// execService runs an artifact's command as a microservice. The command
// serves HTTP on $PORT, a private loopback port; the plugin answers the
// service's public port and passes every request through, which is how
// it counts requests for the metrics. Health is the command's health path
// answering 200.
type execService struct {
	logs   *sdk.LogBuffer
	meter  sdk.RequestMeter
	client *http.Client
	mu     sync.Mutex
	proc   *sdk.Process
	srv    *http.Server
	health string // full URL of the command's health path
}

func newExecService() *execService {
	return &execService{logs: sdk.NewLogBuffer(0), client: &http.Client{Timeout: 2 * time.Second}}
}

func loopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (s *execService) Start(_ context.Context, req plugins.StartRequest) (plugins.StartInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return plugins.StartInfo{}, errors.New("service already started")
	}
	public, err := net.Listen("tcp", ":"+strconv.Itoa(req.Port))
	if err != nil {
		return plugins.StartInfo{}, fmt.Errorf("listen on port %d: %w", req.Port, err)
	}
	private, err := loopbackPort()
	if err != nil {
		public.Close()
		return plugins.StartInfo{}, err
	}
	env := map[string]string{}
	for k, v := range req.Env {
		env[k] = v
	}
	env["PORT"] = strconv.Itoa(private)
	proc, err := sdk.StartProcess(sdk.ProcessSpec{Command: req.Command, Dir: req.WorkDir, Env: env, ForkCgroups: req.ForkCgroups, HomeCgroups: req.HomeCgroups}, s.logs.Append)
	if err != nil {
		public.Close()
		return plugins.StartInfo{}, err
	}
	path := req.HealthPath
	if path == "" {
		path = "/health"
	}
	target := &url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(private)}
	s.proc, s.health = proc, target.String()+path
	s.srv = &http.Server{Handler: s.counted(httputil.NewSingleHostReverseProxy(target)), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(public)
	go func() {
		<-proc.Done()
		s.srv.Close()
		s.logs.Close()
	}()
	return plugins.StartInfo{Pid: proc.Pid(), Pgid: proc.Pid()}, nil
}

// counted marks every request but health checks in the meter.
func (s *execService) counted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		h.ServeHTTP(rec, r)
		now := time.Now()
		s.meter.Observe(now, now.Sub(start), rec.code >= 500)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) { r.code = code; r.ResponseWriter.WriteHeader(code) }

func (s *execService) current() (*sdk.Process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil, errors.New("service not started")
	}
	return s.proc, nil
}

func (s *execService) Wait(ctx context.Context) (plugins.Outcome, error) {
	p, err := s.current()
	if err != nil {
		return plugins.Outcome{}, err
	}
	select {
	case <-p.Done():
		return p.Outcome(), nil
	case <-ctx.Done():
		return plugins.Outcome{}, ctx.Err()
	}
}

// Stop lets in-flight requests finish (within the grace), then stops the
// command.
func (s *execService) Stop(ctx context.Context, req plugins.StopRequest) error {
	p, err := s.current()
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, req.Grace)
	defer cancel()
	_ = s.srv.Shutdown(sctx)
	p.Stop(req.Grace)
	return nil
}

func (s *execService) Status(ctx context.Context) (plugins.Status, error) {
	p, err := s.current()
	if err != nil {
		return plugins.Status{State: plugins.StateStarting}, nil
	}
	select {
	case <-p.Done():
		return plugins.Status{State: plugins.StateExited}, nil
	default:
	}
	st := plugins.Status{State: plugins.StateRunning, Metrics: s.meter.Snapshot(time.Now())}
	st.Healthy, st.Detail = probe(ctx, s.client, s.health)
	return st, nil
}

func (s *execService) Logs(ctx context.Context, req plugins.LogsRequest, send func(plugins.LogLine) error) error {
	return s.logs.Follow(ctx, req.From, send)
}

// probe GETs url and reports whether it answered 200.
func probe(ctx context.Context, c *http.Client, url string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, "health check answered " + resp.Status
	}
	return true, ""
}
