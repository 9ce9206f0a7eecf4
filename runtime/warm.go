package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// warmFile marks a warm plugin nobody has adopted yet, so a restarted
// agent can kill what the previous one left idle.
const warmFile = "warm.json"

// adoptedFile is warm.json while a workload owns the plugin: renamed, not
// deleted and rewritten, because its content does not change between
// jobs and creating a file (a new inode) per job cost more CPU than the
// rest of the hand-over.
const adoptedFile = "warm.adopted"

// warmPlugin is an exec plugin started ahead of need, already in a cgroup
// of its own (without limits until adopted). Starting a Go process and
// moving it into v1 cgroups is most of a job's start time; a warm one
// turns "start job" into one RPC.
type warmPlugin struct {
	spawned
	dir    string
	cg     *cgroup
	jobs   int // jobs served so far
	nofile int // open-files limit applied by an earlier job; 0: none
	// limits are the cgroup limits an earlier job left in place: the next
	// job with the same run profile (nearly always) writes none again.
	limits  Limits
	limited bool
}

// maxReuse bounds how many jobs one plugin process serves before it is
// replaced, so that whatever a long-lived process accumulates stays small.
const maxReuse = 100

type warmRecord struct {
	Plugin procIdentity `json:"plugin"`
	Cgroup *cgroup      `json:"cgroup,omitempty"`
}

// warmPool keeps up to size warm plugins. Its filler goroutine is owned
// by the Supervisor and stops (killing the idle plugins) on Close.
type warmPool struct {
	s      *Supervisor
	target int              // how many to keep started ahead of need
	ready  chan *warmPlugin // room for target plus plugins handed back
	kick   chan struct{}
	seq    atomic.Int64
}

func (s *Supervisor) warmDir() string { return filepath.Join(s.cfg.StateDir, "warm") }

func newWarmPool(s *Supervisor, size int) *warmPool {
	if size < 0 {
		return &warmPool{s: s, kick: make(chan struct{}, 1)}
	}
	return &warmPool{s: s, target: size, ready: make(chan *warmPlugin, size+s.cfg.MaxConcurrentJobs), kick: make(chan struct{}, 1)}
}

// take returns a warm plugin fit for limits l, or nil, and asks for a
// replacement. A hard open-files limit cannot be raised again (root here
// lacks CAP_SYS_RESOURCE), so a plugin that served a job with another
// limit is not fit.
func (p *warmPool) take(l Limits) *warmPlugin {
	if cap(p.ready) == 0 {
		return nil
	}
	defer p.refill()
	select {
	case wp := <-p.ready:
		if wp.id.alive() && (wp.nofile == 0 || wp.nofile == l.MaxOpenFiles) {
			return wp
		}
		p.discard(wp)
	default:
	}
	return nil
}

func (p *warmPool) refill() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// give takes back the plugin of a job that ended normally, for the next
// job. release drops the finished workload's claim on it; it runs after
// warm.json is back, so that at every moment some record owns the
// process. False means the caller must tear the plugin down.
func (p *warmPool) give(wp *warmPlugin, release func() error) bool {
	if cap(p.ready) == 0 || wp.jobs >= maxReuse || !wp.id.alive() || len(p.ready) == cap(p.ready) || p.s.ctx.Err() != nil {
		return false
	}
	if err := wp.unadopt(); err != nil {
		return false
	}
	if err := release(); err != nil {
		os.Remove(filepath.Join(wp.dir, warmFile))
		return false
	}
	select {
	case p.ready <- wp:
		return true
	default:
		p.discard(wp)
		return true // gone, but released: nothing for the caller to do
	}
}

// adopt gives a warm plugin a job's limits and hands it over: from now on
// the workload's record, not warm.json, accounts for it.
func (p *warmPool) adopt(wp *warmPlugin, l Limits) error {
	if p.s.cgroups != nil && wp.cg != nil && (!wp.limited || wp.limits != l) {
		wp.limited = false
		if err := p.s.cgroups.limit(wp.cg, l, p.s.cfg.PluginTaskAllowance); err != nil {
			return fmt.Errorf("limit warm plugin: %w", err)
		}
		wp.limits, wp.limited = l, true
	}
	if err := applyRlimits(wp.id.Pid, l); err != nil {
		return err
	}
	if l.MaxOpenFiles > 0 {
		wp.nofile = l.MaxOpenFiles
	}
	wp.jobs++
	return os.Rename(filepath.Join(wp.dir, warmFile), filepath.Join(wp.dir, adoptedFile))
}

// unadopt puts warm.json back (its content is the same), rewriting it
// only when the renamed copy is missing.
func (wp *warmPlugin) unadopt() error {
	if os.Rename(filepath.Join(wp.dir, adoptedFile), filepath.Join(wp.dir, warmFile)) == nil {
		return nil
	}
	return writeJSON(filepath.Join(wp.dir, warmFile), warmRecord{Plugin: wp.id, Cgroup: wp.cg})
}

// run fills the pool until ctx ends, then kills the idle plugins.
func (p *warmPool) run(ctx context.Context) {
	defer func() {
		for {
			select {
			case wp := <-p.ready:
				p.discard(wp)
			default:
				return
			}
		}
	}()
	for {
		for len(p.ready) < p.target && ctx.Err() == nil {
			wp, err := p.spawn()
			if err != nil {
				p.s.cfg.Logger.Warn("warm plugin", "err", err)
				break
			}
			p.ready <- wp
		}
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		case <-time.After(5 * time.Second): // retry after a failure
		}
	}
}

func (p *warmPool) spawn() (*warmPlugin, error) {
	name := "warm-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(p.seq.Add(1), 10)
	dir := filepath.Join(p.s.warmDir(), name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	wp := &warmPlugin{dir: dir}
	if p.s.cgroups != nil {
		cg, err := p.s.cgroups.create(name, Limits{}, 0)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		wp.cg = cg
	}
	// Recorded before the process exists: if the agent dies mid-spawn, the
	// next one still finds the cgroup (and so the process) to kill.
	if err := writeJSON(filepath.Join(dir, warmFile), warmRecord{Cgroup: wp.cg}); err != nil {
		wp.cg.remove()
		os.RemoveAll(dir)
		return nil, err
	}
	sp, err := p.s.spawn(spawnSpec{
		argv: p.s.cfg.PluginCommand("exec"), dir: dir, sockDir: dir,
		env: p.s.pluginEnv(dir, Limits{}), cg: wp.cg, shape: plugins.ShapeJob, trusted: true,
	})
	if err != nil {
		wp.cg.remove()
		os.RemoveAll(dir)
		return nil, err
	}
	wp.spawned = *sp
	if err := writeJSON(filepath.Join(dir, warmFile), warmRecord{Plugin: sp.id, Cgroup: wp.cg}); err != nil {
		p.discard(wp)
		return nil, err
	}
	return wp, nil
}

func (p *warmPool) discard(wp *warmPlugin) {
	_ = wp.id.killGroup()
	if wp.client != nil {
		wp.client.Kill()
	}
	_ = wp.cg.kill()
	_ = wp.cg.remove()
	os.RemoveAll(wp.dir)
}

// reapWarm kills idle warm plugins an earlier agent left behind.
func (s *Supervisor) reapWarm() error {
	dirs, err := workloadDirs(s.warmDir())
	if err != nil {
		return err
	}
	var errs []error
	for _, dir := range dirs {
		var rec warmRecord
		if err := readJSON(filepath.Join(dir, warmFile), &rec); err == nil {
			_ = rec.Plugin.killGroup()
			errs = append(errs, rec.Cgroup.kill(), rec.Cgroup.remove())
		} else if !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		} else {
			// Adopted: the workload's record owns it; it removes the dir.
			continue
		}
		errs = append(errs, os.RemoveAll(dir))
	}
	return errors.Join(errs...)
}
