package sdk

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// ProcessSpec is a command to run in its own process group.
type ProcessSpec struct {
	Command []string
	Dir     string
	Env     map[string]string
	// ForkCgroups, if set, are cgroup directories this process joins for
	// the fork, so the command starts inside them; it then moves back to
	// HomeCgroups. Not for concurrent StartProcess calls.
	ForkCgroups []string
	HomeCgroups []string
}

// joinCgroups moves this whole process into each directory.
func joinCgroups(dirs []string) error {
	pid := []byte(strconv.Itoa(os.Getpid()))
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), pid, 0o644); err != nil {
			return fmt.Errorf("join cgroup %s: %w", d, err)
		}
	}
	return nil
}

// startIn starts cmd inside spec's fork cgroups, if any.
func startIn(cmd *exec.Cmd, spec ProcessSpec) error {
	if len(spec.ForkCgroups) == 0 {
		return cmd.Start()
	}
	if err := joinCgroups(spec.ForkCgroups); err != nil {
		return err
	}
	err := cmd.Start()
	if herr := joinCgroups(spec.HomeCgroups); herr != nil {
		if cmd.Process != nil {
			_ = killGroup(cmd.Process.Pid)
			_ = cmd.Wait()
		}
		return herr
	}
	return err
}

// Process is a running command whose stdout and stderr are captured line
// by line. Its children share its process tree (a process group on Unix,
// a Job Object on Windows), so Stop ends the tree.
type Process struct {
	cmd     *exec.Cmd
	tree    *processTree
	done    chan struct{}
	mu      sync.Mutex
	stopped bool
	outcome plugins.Outcome
	pipesWG sync.WaitGroup
	pipes   []*os.File
}

// Environ returns the plugin's own environment, without go-plugin's
// variables, plus extra sorted by name so the child sees a stable order.
func Environ(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PLUGIN_") || strings.HasPrefix(kv, plugins.Handshake().MagicCookieKey+"=") {
			continue
		}
		env = append(env, kv)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+extra[k])
	}
	return env
}

// StartProcess starts spec; each output line goes to sink(stream, text,
// truncated). On Linux the child gets SIGKILL if this plugin dies and on
// Windows the Job Object dies with the plugin, so a crashed plugin never
// leaves an orphan behind; macOS has no such hook (see process_unix.go).
func StartProcess(spec ProcessSpec, sink func(stream, text string, truncated bool)) (*Process, error) {
	if len(spec.Command) == 0 {
		return nil, errors.New("start process: empty command")
	}
	cmd := exec.Command(spec.Command[0], spec.Command[1:]...)
	cmd.Dir = spec.Dir
	cmd.Env = Environ(spec.Env)
	cmd.SysProcAttr = treeProcAttr()
	// Plain pipes rather than StdoutPipe: cmd.Wait then returns when the
	// leader exits, even if a background child still holds the pipe.
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Command[0], err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("start %s: %w", spec.Command[0], err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = startIn(cmd, spec)
	outW.Close()
	errW.Close()
	var tree *processTree
	if err == nil {
		if tree, err = newProcessTree(cmd.Process.Pid); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("start %s: %w", spec.Command[0], err)
	}
	p := &Process{cmd: cmd, tree: tree, done: make(chan struct{}), pipes: []*os.File{outR, errR}}
	p.pipesWG.Add(2)
	go func() {
		defer p.pipesWG.Done()
		ReadLines(outR, func(t string, tr bool) { sink("stdout", t, tr) })
	}()
	go func() {
		defer p.pipesWG.Done()
		ReadLines(errR, func(t string, tr bool) { sink("stderr", t, tr) })
	}()
	go p.wait()
	return p, nil
}

// pipeDrain bounds how long output is read after the group is gone: a
// process that left the group (setsid) may hold the pipe forever.
const pipeDrain = 2 * time.Second

func (p *Process) wait() {
	err := p.cmd.Wait()
	ended := time.Now().UTC()
	// The group may outlive its leader (background children): end it, so
	// the pipes close and nothing of the job is left running.
	_ = p.tree.kill()
	drained := make(chan struct{})
	go func() { p.pipesWG.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(pipeDrain):
		for _, f := range p.pipes {
			f.Close()
		}
		<-drained
	}
	for _, f := range p.pipes {
		f.Close()
	}
	p.tree.close()
	out := plugins.Outcome{EndedAt: ended}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		out.ExitCode = exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			out.Signal = ws.Signal().String()
			out.ExitCode = 128 + int(ws.Signal())
		}
	default:
		out.ExitCode, out.Error = -1, err.Error()
	}
	p.mu.Lock()
	out.Stopped = p.stopped
	p.outcome = out
	p.mu.Unlock()
	close(p.done)
}

// Pid is the process (and process group) id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited and its output is read.
func (p *Process) Done() <-chan struct{} { return p.done }

// Outcome is valid after Done.
func (p *Process) Outcome() plugins.Outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.outcome
}

// Stop asks the tree to end (SIGTERM to the group on Unix), then kills it
// after grace. Where no polite request exists (Windows) it kills at once.
func (p *Process) Stop(grace time.Duration) {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	if err := p.tree.terminate(); err != nil {
		grace = 0
	}
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.tree.kill()
		<-p.done
	}
}
