package runtime

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/plugins/sdk"
)

// maxSocketPath leaves room for go-plugin's "plugin123456789" socket name
// within the 107 bytes a unix socket path may have.
const maxSocketPath = 90

// tailBuffer keeps the last bytes a plugin wrote to stderr, for the error
// message when it fails to start.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(bytes.ToValidUTF8(t.buf, nil)))
}

// shapeOf maps a workload kind to the plugin shape it is dispensed as.
func shapeOf(kind string) string {
	switch kind {
	case KindJob:
		return plugins.ShapeJob
	case KindService:
		return plugins.ShapeService
	default:
		return plugins.ShapeContainer
	}
}

// runAsUser is the account a run-as workload's plugin runs as.
type runAsUser struct {
	Uid, Gid uint32
}

// credential resolves RunAs to a uid and gid (nil for the agent's own).
func credential(runAs string) (*runAsUser, error) {
	if runAs == "" {
		return nil, nil
	}
	if err := runAsSupported(); err != nil {
		return nil, fmt.Errorf("run as %q: %w", runAs, err)
	}
	u, err := user.Lookup(runAs)
	if err != nil {
		if u, err = user.LookupId(runAs); err != nil {
			return nil, fmt.Errorf("run as %q: no such user", runAs)
		}
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &runAsUser{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// pluginArgv is the command that starts the workload's plugin.
func (s *Supervisor) pluginArgv(kind string, spec Spec, command []string) []string {
	if spec.EntrypointIsPlugin {
		return command
	}
	name := spec.Plugin
	if kind == KindContainer {
		name = "container"
	} else if name == "" {
		name = "exec"
	}
	return s.cfg.PluginCommand(name)
}

// pluginEnv is a plugin's whole environment: the agent's is not passed on.
func (s *Supervisor) pluginEnv(home string, l Limits) []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	env := []string{"PATH=" + path, "LANG=C.UTF-8", "HOME=" + home, "TMPDIR=" + home}
	if l.MaxOpenFiles > 0 {
		env = append(env, sdk.EnvMaxOpenFiles+"="+strconv.Itoa(l.MaxOpenFiles))
	}
	return append(env, s.cfg.PluginEnv...)
}

// spawned is a started, connected plugin.
type spawned struct {
	client *plugin.Client
	rpc    *plugins.Client
	id     procIdentity
	addr   string
	stderr *tailBuffer // the plugin's own stderr (a panic's trace, say)
}

// spawnSpec says how to start a plugin process.
type spawnSpec struct {
	argv    []string
	dir     string // working directory
	sockDir string // where the plugin puts its unix socket
	env     []string
	cred    *runAsUser
	cg      *cgroup
	shape   string
	limits  Limits
	// trusted plugins are our own code (built-ins): they join their
	// cgroups themselves; an artifact's plugin is moved by us as well.
	trusted bool
}

// spawn starts a plugin in its own process group, inside cg, with its
// rlimits, and dispenses shape. On error nothing of it is left running.
func (s *Supervisor) spawn(sp spawnSpec) (*spawned, error) {
	cmd := exec.Command(sp.argv[0], sp.argv[1:]...)
	cmd.Dir = sp.dir
	cmd.Env = append(sp.env, plugin.EnvUnixSocketDir+"="+sp.sockDir)
	fd, closeFD, err := sp.cg.openDir()
	if err != nil {
		return nil, err
	}
	defer closeFD()
	// Its own process group: a signal to the agent's group (Ctrl-C, a
	// service manager stopping the agent) must not reach workloads.
	cmd.SysProcAttr = pluginProcAttr(sp.cred, fd)
	if fd < 0 && sp.cg != nil {
		cmd.Env = append(cmd.Env, sdk.EnvCgroups+"="+strings.Join(sp.cg.Home, string(os.PathListSeparator)))
	}
	stderr := &tailBuffer{}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugins.Handshake(),
		Plugins:          plugins.HostPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     s.cfg.StartTimeout,
		SkipHostEnv:      true,
		Stderr:           stderr,
		Logger:           hclog.NewNullLogger(),
	})
	fail := func(step string, err error) error {
		client.Kill()
		if cmd.Process != nil {
			_ = killProcessGroup(cmd.Process.Pid)
		}
		if tail := stderr.String(); tail != "" {
			return fmt.Errorf("plugin %s: %s: %v (plugin stderr: %s)", sp.argv[0], step, err, tail)
		}
		return fmt.Errorf("plugin %s: %s: %v", sp.argv[0], step, err)
	}
	rpc, err := client.Client()
	if err != nil {
		return nil, fail("start", err)
	}
	rc := client.ReattachConfig()
	id, err := identify(rc.Pid)
	if err != nil {
		return nil, fail("start", err)
	}
	if fd < 0 && !sp.trusted {
		// cgroup v1 and code we did not write: move it ourselves before it
		// is given any work.
		if err := sp.cg.place(rc.Pid); err != nil {
			return nil, fail("join cgroup", err)
		}
	}
	if err := applyRlimits(rc.Pid, sp.limits); err != nil {
		s.cfg.Logger.Debug("rlimits not applied from outside; the plugin applies them itself", "pid", rc.Pid, "err", err)
	}
	raw, err := rpc.Dispense(sp.shape)
	if err != nil {
		return nil, fail("dispense", err)
	}
	return &spawned{client: client, rpc: raw.(*plugins.Client), id: id, addr: rc.Addr.String(), stderr: stderr}, nil
}

// launch gets the workload a plugin — a warm one for plain exec jobs, a
// new one otherwise — persists the reattach record and starts the work.
// On error nothing of it is left running.
func (s *Supervisor) launch(ctx context.Context, w *workload, command []string) (err error) {
	spec, kind := w.rec.Spec, w.rec.Kind
	if len(w.dir) > maxSocketPath {
		return fmt.Errorf("state directory %s is too long for a unix socket path", w.dir)
	}
	defer func() {
		if err != nil {
			w.killAll()
			_ = w.rec.Cgroup.remove()
			if w.rec.SocketDir != "" {
				os.RemoveAll(w.rec.SocketDir)
			}
		}
	}()
	p, err := s.pluginFor(w, kind, spec, command)
	if err != nil {
		return err
	}
	w.client, w.rpc, w.stderr = p.client, p.rpc, p.stderr
	w.rec.Plugin, w.rec.Addr = p.id, p.addr
	w.rec.StartedAt = time.Now().UTC()
	if spec.Timeout > 0 {
		w.rec.Deadline = w.rec.StartedAt.Add(spec.Timeout)
	}
	// Saved before Start: if the agent dies from here on, the next one
	// finds the plugin.
	if err := writeJSON(filepath.Join(w.dir, recordFile), w.rec); err != nil {
		return err
	}
	info, err := w.rpc.Start(ctx, s.startRequest(w, spec, command))
	if err != nil {
		if tail := p.stderr.String(); tail != "" {
			return fmt.Errorf("plugin pid %d: start workload: %w (plugin stderr: %s)", p.id.Pid, err, tail)
		}
		return fmt.Errorf("plugin pid %d: start workload: %w", p.id.Pid, err)
	}
	if info.Pgid > 0 {
		if child, err := identify(info.Pgid); err == nil {
			w.rec.Child = child
			if err := overwriteJSON(filepath.Join(w.dir, recordFile), w.rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// pluginFor returns a running plugin for w, with w.rec.Cgroup set.
func (s *Supervisor) pluginFor(w *workload, kind string, spec Spec, command []string) (*spawned, error) {
	if err := platformLimits(spec.Limits); err != nil {
		return nil, err
	}
	if kind == KindJob && spec.RunAs == "" && !spec.EntrypointIsPlugin && (spec.Plugin == "" || spec.Plugin == "exec") {
		if wp := s.warm.take(spec.Limits); wp != nil {
			err := s.warm.adopt(wp, spec.Limits)
			if err == nil {
				w.rec.Cgroup, w.rec.SocketDir, w.warm = wp.cg, wp.dir, wp
				w.rec.OOMBase = wp.cg.oomKills()
				return &wp.spawned, nil
			}
			// E.g. a memory limit below what the group still holds: not
			// worth failing the job over; start a fresh plugin.
			s.cfg.Logger.Debug("warm plugin unfit; starting a new one", "workload", w.id, "err", err)
			s.warm.discard(wp)
		}
	}
	cred, err := credential(spec.RunAs)
	if err != nil {
		return nil, err
	}
	if cred != nil {
		for _, d := range []string{w.dir, w.workDir()} {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, fmt.Errorf("run as %s: %w", spec.RunAs, err)
			}
		}
	}
	if s.cgroups != nil {
		cg, err := s.cgroups.create(w.id, spec.Limits, s.cfg.PluginTaskAllowance)
		if err != nil {
			return nil, fmt.Errorf("create cgroup: %w", err)
		}
		w.rec.Cgroup = cg
		if cred != nil {
			if err := cg.chown(int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, fmt.Errorf("run as %s: %w", spec.RunAs, err)
			}
		}
	}
	return s.spawn(spawnSpec{
		argv: s.pluginArgv(kind, spec, command), dir: w.workDir(), sockDir: w.dir,
		env: s.pluginEnv(w.workDir(), spec.Limits), cred: cred, cg: w.rec.Cgroup,
		shape: shapeOf(kind), limits: spec.Limits, trusted: !spec.EntrypointIsPlugin,
	})
}

func (s *Supervisor) startRequest(w *workload, spec Spec, command []string) plugins.StartRequest {
	env := map[string]string{}
	for k, v := range spec.Parameters {
		env[k] = v
	}
	req := plugins.StartRequest{
		Name: spec.Name, Version: spec.Version, ArtifactDir: spec.ArtifactDir, WorkDir: w.workDir(),
		Env: env, Parameters: spec.Parameters, Port: w.rec.Port, HealthPath: spec.HealthPath,
	}
	if !spec.EntrypointIsPlugin {
		req.Command = command
	}
	if cg := w.rec.Cgroup; cg != nil && len(cg.Fork) > 0 {
		req.ForkCgroups, req.HomeCgroups = cg.Fork, []string{cg.Dirs["pids/plugin"]}
	}
	// A warm plugin started with another HOME: the job gets its own.
	env["HOME"], env["TMPDIR"] = w.workDir(), w.workDir()
	return req
}
