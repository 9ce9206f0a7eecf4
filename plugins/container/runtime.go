package container

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/plugins/sdk"
)

// Timeouts of the bundle lifecycle.
const (
	healthTimeout = 30 * time.Second
	stopGrace     = 5 * time.Second
)

// Runtime implements plugins.Container.
type Runtime struct {
	logs   *sdk.LogBuffer
	meter  sdk.RequestMeter
	client *http.Client

	persistMu sync.Mutex // serialises writes of bundles.json

	mu      sync.Mutex
	workDir string
	bundles map[string]*bundle
	srv     *http.Server
	state   string
	done    chan struct{}
	out     plugins.Outcome
}

var _ plugins.Container = (*Runtime)(nil)

// New returns a container that serves nothing until Start.
func New() *Runtime {
	return &Runtime{
		logs:    sdk.NewLogBuffer(0),
		client:  &http.Client{Timeout: 2 * time.Second},
		bundles: map[string]*bundle{},
		state:   plugins.StateStarting,
		done:    make(chan struct{}),
	}
}

func (r *Runtime) logf(format string, args ...any) {
	r.logs.Append("container", fmt.Sprintf(format, args...), false)
}

// Start listens on req.Port and brings back the bundles recorded in
// req.WorkDir; they restart in the background.
func (r *Runtime) Start(_ context.Context, req plugins.StartRequest) (plugins.StartInfo, error) {
	saved, err := loadBundles(req.WorkDir)
	if err != nil {
		return plugins.StartInfo{}, err
	}
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(req.Port))
	if err != nil {
		return plugins.StartInfo{}, fmt.Errorf("runtime container: listen on port %d: %w", req.Port, err)
	}
	r.mu.Lock()
	r.workDir = req.WorkDir
	r.srv = &http.Server{Handler: http.HandlerFunc(r.route), ReadHeaderTimeout: 10 * time.Second}
	r.state = plugins.StateRunning
	srv := r.srv
	r.mu.Unlock()
	r.logf("runtime container listening on %s", ln.Addr())
	go r.serve(srv, ln)
	go r.restore(saved)
	return plugins.StartInfo{}, nil
}

func (r *Runtime) serve(srv *http.Server, ln net.Listener) {
	err := srv.Serve(ln)
	out := plugins.Outcome{EndedAt: time.Now().UTC()}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		out.ExitCode, out.Error = 1, err.Error()
	}
	r.mu.Lock()
	out.Stopped = r.state == plugins.StateStopping
	r.out, r.state = out, plugins.StateExited
	r.mu.Unlock()
	r.logs.Close()
	close(r.done)
}

func (r *Runtime) restore(saved []savedBundle) {
	for _, s := range saved {
		if _, err := r.Bundle(context.Background(), plugins.BundleOp{Op: plugins.OpInstall, Spec: s.Spec}); err != nil {
			r.logf("restore bundle %s: %v", s.Spec.Name, err)
			continue
		}
		if s.Active {
			if _, err := r.Bundle(context.Background(), plugins.BundleOp{Op: plugins.OpStart, Name: s.Spec.Name}); err != nil {
				r.logf("restore bundle %s: %v", s.Spec.Name, err)
			}
		}
	}
}

// route sends /NAME/rest to bundle NAME's active instance as /rest.
func (r *Runtime) route(w http.ResponseWriter, req *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	start := time.Now()
	defer func() { now := time.Now(); r.meter.Observe(now, now.Sub(start), rec.code >= 500) }()
	name, rest, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	r.mu.Lock()
	b := r.bundles[name]
	r.mu.Unlock()
	if b == nil {
		http.Error(rec, "no bundle at /"+name+"/", http.StatusNotFound)
		return
	}
	defer func() { now := time.Now(); b.meter.Observe(now, now.Sub(start), rec.code >= 500) }()
	for {
		in := b.active.Load()
		if in == nil {
			http.Error(rec, "bundle "+name+" is not active", http.StatusServiceUnavailable)
			return
		}
		if !in.acquire() {
			// Draining after an update swapped it out: take the new one.
			continue
		}
		out := req.Clone(req.Context())
		out.URL.Path = "/" + rest
		out.URL.RawPath = ""
		in.proxy.ServeHTTP(rec, out)
		in.release()
		return
	}
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) { s.code = code; s.ResponseWriter.WriteHeader(code) }

// Wait implements plugins.Workload: it returns when the container stops.
func (r *Runtime) Wait(ctx context.Context) (plugins.Outcome, error) {
	select {
	case <-r.done:
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.out, nil
	case <-ctx.Done():
		return plugins.Outcome{}, ctx.Err()
	}
}

// Stop stops every bundle (keeping their recorded state, so they come
// back on the next start) and then the container.
func (r *Runtime) Stop(ctx context.Context, req plugins.StopRequest) error {
	r.mu.Lock()
	srv := r.srv
	if r.state == plugins.StateRunning {
		r.state = plugins.StateStopping
	}
	all := r.sortedBundles()
	r.mu.Unlock()
	if srv == nil {
		return errors.New("runtime container not started")
	}
	for _, b := range all {
		b.mu.Lock()
		if in := b.active.Swap(nil); in != nil {
			in.drainAndStop(req.Grace)
		}
		b.mu.Unlock()
	}
	sctx, cancel := context.WithTimeout(ctx, req.Grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	<-r.done
	return nil
}

func (r *Runtime) sortedBundles() []*bundle {
	all := make([]*bundle, 0, len(r.bundles))
	for _, b := range r.bundles {
		all = append(all, b)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].currentSpec().Name < all[j].currentSpec().Name })
	return all
}

// Status implements plugins.Workload.
func (r *Runtime) Status(context.Context) (plugins.Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return plugins.Status{State: r.state, Healthy: r.state == plugins.StateRunning, Metrics: r.meter.Snapshot(time.Now())}, nil
}

// Logs implements plugins.Workload: the container's own lines and every
// bundle's, the latter on stream "bundle/NAME".
func (r *Runtime) Logs(ctx context.Context, req plugins.LogsRequest, send func(plugins.LogLine) error) error {
	return r.logs.Follow(ctx, req.From, send)
}

// Bundles implements plugins.Container.
func (r *Runtime) Bundles(context.Context) ([]plugins.BundleInfo, error) {
	r.mu.Lock()
	all := r.sortedBundles()
	r.mu.Unlock()
	out := make([]plugins.BundleInfo, 0, len(all))
	for _, b := range all {
		out = append(out, b.info())
	}
	return out, nil
}
