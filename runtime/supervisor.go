package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Errors callers can test for.
var (
	ErrExists      = errors.New("workload already exists")
	ErrNotFound    = errors.New("no such workload")
	ErrServiceCap  = errors.New("microservice limit reached")
	ErrStartFailed = errors.New("workload failed to start")
)

// Supervisor runs the workloads of one engine. Create it with New; it
// reattaches to whatever an earlier agent left running in StateDir.
type Supervisor struct {
	cfg      Config
	cgroups  cgroupDriver
	ports    *portPool
	jobSlots chan struct{}
	warm     *warmPool

	ctx    context.Context // cancelled by Close: monitors detach
	cancel context.CancelFunc
	wg     sync.WaitGroup // monitors

	stopWarm func()        // stops the warm pool's filler ...
	warmDone chan struct{} // ... which closes this once idle plugins are gone

	mu        sync.Mutex
	workloads map[string]*workload
}

// New opens (creating it if needed) the state directory and reattaches to
// every workload recorded there; List then reports their true state.
func New(cfg Config) (*Supervisor, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	for _, d := range []string{cfg.workloadsDir(), cfg.containersDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("supervisor state dir: %w", err)
		}
		// Traversable (not listable) so run-as workloads reach their own
		// directory, which is theirs.
		if err := os.Chmod(d, 0o711); err != nil {
			return nil, fmt.Errorf("supervisor state dir: %w", err)
		}
	}
	s := &Supervisor{
		cfg:       cfg,
		ports:     newPortPool(cfg.PortRangeStart, cfg.PortRangeEnd),
		jobSlots:  make(chan struct{}, cfg.MaxConcurrentJobs),
		workloads: map[string]*workload{},
	}
	var why string
	s.cgroups, why = detectCgroups(cfg.Cgroups, cfg.CgroupParent)
	if s.cgroups == nil {
		cfg.Logger.Warn("memory, CPU and process limits not enforced", "reason", why)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.reapWarm(); err != nil {
		cfg.Logger.Warn("clean up idle warm plugins of an earlier agent", "err", err)
	}
	s.warm = newWarmPool(s, cfg.WarmPlugins)
	warmCtx, stopWarm := context.WithCancel(context.Background())
	s.stopWarm, s.warmDone = stopWarm, make(chan struct{})
	go func() {
		defer close(s.warmDone)
		s.warm.run(warmCtx)
	}()
	dirs, err := workloadDirs(cfg.workloadsDir())
	if err != nil {
		return nil, fmt.Errorf("supervisor state dir: %w", err)
	}
	for _, dir := range dirs {
		w, err := s.reattach(dir)
		if err != nil {
			cfg.Logger.Error("reattach workload", "dir", dir, "err", err)
			continue
		}
		if w != nil {
			s.adopt(w)
		}
	}
	return s, nil
}

// CgroupVersion says which limit mechanism is in force: "v1", "v2" or "".
func (s *Supervisor) CgroupVersion() string {
	if s.cgroups == nil {
		return ""
	}
	return s.cgroups.version()
}

// adopt registers a reattached workload and resumes watching it.
func (s *Supervisor) adopt(w *workload) {
	s.mu.Lock()
	s.workloads[w.id] = w
	s.mu.Unlock()
	if w.state == StateExited {
		return
	}
	s.ports.reserve(w.id, w.rec.Port)
	if w.rec.Kind == KindJob {
		select {
		case s.jobSlots <- struct{}{}:
			w.holdsSlot = true
		default: // more survivors than slots: they run, new jobs wait
		}
	}
	s.watch(w)
}

func (s *Supervisor) watch(w *workload) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		w.monitor(s.ctx)
	}()
}

// Close stops watching and returns. Workloads keep running: a new
// Supervisor on the same StateDir reattaches to them.
func (s *Supervisor) Close() error {
	s.cancel()
	s.wg.Wait()
	// After the monitors: a job ending during Close may still hand its
	// plugin back, and the pool must not outlive it.
	s.stopWarm()
	<-s.warmDone
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.workloads {
		if w.rpc != nil && w.state != StateExited {
			_ = w.rpc.Detach()
		}
	}
	return nil
}

// StartJob starts a job, waiting for one of the MaxConcurrentJobs slots
// first (or until ctx ends). It returns once the job's process runs.
func (s *Supervisor) StartJob(ctx context.Context, spec Spec) (*Handle, error) {
	select {
	case s.jobSlots <- struct{}{}:
	default:
		// Said out loud: the control plane's per-engine cap should make
		// this rare (a job it ended without the engine's word still runs).
		s.cfg.Logger.Warn("all job slots taken: the job waits for one", "workload", spec.ID, "slots", cap(s.jobSlots))
		select {
		case s.jobSlots <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("start job %s: waiting for a free slot: %w", spec.ID, ctx.Err())
		}
	}
	h, err := s.start(ctx, KindJob, spec)
	if err != nil {
		<-s.jobSlots
		return nil, err
	}
	return h, nil
}

// StartService starts a microservice on spec.Port, or on a port from the
// pool when it is 0. At most MaxServices run at once.
func (s *Supervisor) StartService(ctx context.Context, spec Spec) (*Handle, error) {
	return s.start(ctx, KindService, spec)
}

// StartContainer starts the runtime container (default port 8040).
func (s *Supervisor) StartContainer(ctx context.Context, spec Spec) (*Handle, error) {
	if spec.Port == 0 {
		spec.Port = DefaultContainerPort
	}
	return s.start(ctx, KindContainer, spec)
}

func (s *Supervisor) start(ctx context.Context, kind string, spec Spec) (*Handle, error) {
	if err := spec.validate(kind); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStartFailed, err)
	}
	w, err := s.register(kind, spec)
	if err != nil {
		return nil, err
	}
	if err := s.prepare(ctx, w); err != nil {
		s.unregister(w)
		return nil, fmt.Errorf("%w: %s %s: %v", ErrStartFailed, kind, spec.ID, err)
	}
	w.mu.Lock()
	w.state = StateRunning
	w.holdsSlot = kind == KindJob
	w.mu.Unlock()
	s.watch(w)
	return &Handle{w: w}, nil
}

// register claims the id (and for services a place under the cap).
func (s *Supervisor) register(kind string, spec Spec) (*workload, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.workloads[spec.ID]; ok {
		return nil, fmt.Errorf("%w: %s", ErrExists, spec.ID)
	}
	if kind == KindService {
		n := 0
		for _, w := range s.workloads {
			if w.kind == KindService && w.running() {
				n++
			}
		}
		if n >= s.cfg.MaxServices {
			return nil, fmt.Errorf("%w: %d of %d running", ErrServiceCap, n, s.cfg.MaxServices)
		}
	}
	w := &workload{
		s: s, id: spec.ID, kind: kind, dir: filepath.Join(s.cfg.workloadsDir(), spec.ID), done: make(chan struct{}),
		state: StateStarting, rec: record{Kind: kind, Spec: spec},
	}
	s.workloads[spec.ID] = w
	return w, nil
}

func (s *Supervisor) unregister(w *workload) {
	s.ports.release(w.rec.Port)
	os.RemoveAll(w.dir)
	s.mu.Lock()
	delete(s.workloads, w.id)
	s.mu.Unlock()
}

// prepare resolves the command, makes the directories, takes a port and
// launches the plugin.
func (s *Supervisor) prepare(ctx context.Context, w *workload) error {
	spec := w.rec.Spec
	command, err := resolveCommand(spec)
	if err != nil {
		return err
	}
	if w.kind == KindContainer {
		// The container's bundles outlive the container process (and its
		// Release): they live in a directory of their own.
		w.rec.WorkDir = filepath.Join(s.cfg.containersDir(), w.id)
	}
	// 0700: the plugin's socket lives in w.dir, and whoever can connect
	// to it can make the plugin run commands.
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(w.workDir(), 0o755); err != nil {
		return err
	}
	if w.rec.Kind != KindJob {
		port, err := s.ports.acquire(w.id, spec.Port)
		if err != nil {
			return err
		}
		w.rec.Port = port
	}
	return s.launch(ctx, w, command)
}

// resolveCommand expands parameters in the entrypoint and makes a "./x"
// first element an absolute path inside the artifact, which must exist.
func resolveCommand(spec Spec) ([]string, error) {
	if len(spec.Entrypoint) == 0 {
		return nil, nil
	}
	cmd := make([]string, len(spec.Entrypoint))
	for i, arg := range spec.Entrypoint {
		cmd[i] = os.Expand(arg, func(k string) string { return spec.Parameters[k] })
	}
	if rel, ok := strings.CutPrefix(cmd[0], "./"); ok {
		cmd[0] = filepath.Join(spec.ArtifactDir, filepath.FromSlash(rel))
		st, err := os.Stat(cmd[0])
		if err != nil {
			return nil, fmt.Errorf("missing entrypoint: %w", err)
		}
		if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
			return nil, fmt.Errorf("entrypoint %s is not an executable file", cmd[0])
		}
	}
	return cmd, nil
}

func (s *Supervisor) get(id string) (*workload, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.workloads[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return w, nil
}

// Get returns the handle of a known workload (running or finished).
func (s *Supervisor) Get(id string) (*Handle, error) {
	w, err := s.get(id)
	if err != nil {
		return nil, err
	}
	return &Handle{w: w}, nil
}

// List returns every workload, sorted by id.
func (s *Supervisor) List() []Info {
	s.mu.Lock()
	all := make([]*workload, 0, len(s.workloads))
	for _, w := range s.workloads {
		all = append(all, w)
	}
	s.mu.Unlock()
	out := make([]Info, 0, len(all))
	for _, w := range all {
		out = append(out, w.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Stop ends a workload: SIGTERM, StopGrace, then SIGKILL to all of it.
// It returns once the workload has ended.
func (s *Supervisor) Stop(ctx context.Context, id string) (Result, error) {
	w, err := s.get(id)
	if err != nil {
		return Result{}, err
	}
	if w.info().State == StateStarting {
		return Result{}, fmt.Errorf("stop %s: still starting; stop it once Start returns", id)
	}
	w.stop(ctx)
	return w.wait(ctx)
}

// Release forgets a finished workload and deletes its state directory:
// call it once its result is safely recorded elsewhere. Until then the
// result survives agent restarts.
func (s *Supervisor) Release(id string) error {
	w, err := s.get(id)
	if err != nil {
		return err
	}
	select {
	case <-w.done:
	default:
		return fmt.Errorf("release %s: %w", id, errNotRunning)
	}
	s.mu.Lock()
	delete(s.workloads, id)
	s.mu.Unlock()
	if err := os.RemoveAll(w.dir); err != nil {
		return fmt.Errorf("release %s: %w", id, err)
	}
	return nil
}
