package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/roundhouse/roundhouse/plugins"
)

// attachedPlugin is go-plugin's view of a plugin started by an earlier
// agent. go-plugin's own one polls once a second and cannot tell a zombie
// (which nobody here will reap) from a live process; this one checks the
// pid's start time and state.
type attachedPlugin struct {
	id procIdentity
}

var _ runner.AttachedRunner = attachedPlugin{}

func (a attachedPlugin) Wait(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for a.id.alive() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

func (a attachedPlugin) Kill(context.Context) error { return a.id.killGroup() }
func (a attachedPlugin) ID() string                 { return strconv.Itoa(a.id.Pid) }

func (attachedPlugin) PluginToHost(n, addr string) (string, string, error) { return n, addr, nil }
func (attachedPlugin) HostToPlugin(n, addr string) (string, string, error) { return n, addr, nil }

// errGone marks a workload whose plugin is no longer the process recorded.
var errGone = errors.New("plugin process is gone")

// reattach loads one workload directory left by an earlier agent. A job
// with a saved result comes back finished; a live plugin (same pid AND
// start time) is reattached; anything else is LOST and cleaned up.
func (s *Supervisor) reattach(dir string) (*workload, error) {
	w := &workload{s: s, id: filepath.Base(dir), dir: dir, done: make(chan struct{}), reattached: true}
	if err := readJSON(filepath.Join(dir, recordFile), &w.rec); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			// The agent died before it recorded the plugin, maybe after it
			// spawned it: nothing to reattach to, and nothing may be left.
			id := filepath.Base(dir)
			if pids := killStrays(dir, filepath.Join(s.cfg.containersDir(), id)); len(pids) > 0 {
				s.cfg.Logger.Warn("killed the unrecorded processes of a workload an earlier agent was starting",
					"workload", id, "pids", pids)
			}
			return nil, os.RemoveAll(dir)
		}
		return nil, err
	}
	w.kind = w.rec.Kind
	var saved Result
	if err := readJSON(filepath.Join(dir, resultFile), &saved); err == nil {
		w.rec.Cgroup.kill()
		w.rec.Cgroup.remove()
		w.result, w.state = saved, StateExited
		close(w.done)
		return w, nil
	}
	if err := s.connect(w); err != nil {
		s.cfg.Logger.Warn("workload lost while the agent was down", "workload", w.id, "err", err)
		w.state = StateRunning
		w.finish(Result{
			ID: w.id, Kind: w.rec.Kind, Status: StatusLost, ExitCode: -1,
			Error: "plugin gone while no agent was watching: " + err.Error(), StartedAt: w.rec.StartedAt,
			EndedAt: time.Now().UTC(),
		})
		return w, nil
	}
	w.state = StateRunning
	return w, nil
}

// connect verifies the recorded plugin and opens a client to it.
func (s *Supervisor) connect(w *workload) error {
	if !w.rec.Plugin.alive() {
		return fmt.Errorf("pid %d: %w", w.rec.Plugin.Pid, errGone)
	}
	addr := &net.UnixAddr{Net: "unix", Name: w.rec.Addr}
	att := attachedPlugin{id: w.rec.Plugin}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugins.Handshake(),
		Plugins:          plugins.HostPlugins(),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.NewNullLogger(),
		Reattach: &plugin.ReattachConfig{
			Protocol: plugin.ProtocolGRPC, ProtocolVersion: plugins.ProtocolVersion,
			Addr: addr, Pid: w.rec.Plugin.Pid,
			ReattachFunc: func() (runner.AttachedRunner, error) { return att, nil },
		},
	})
	rpc, err := client.Client()
	if err != nil {
		return fmt.Errorf("reattach to pid %d: %w", w.rec.Plugin.Pid, err)
	}
	raw, err := rpc.Dispense(shapeOf(w.rec.Kind))
	if err != nil {
		return fmt.Errorf("reattach to pid %d: %w", w.rec.Plugin.Pid, err)
	}
	w.client, w.rpc = client, raw.(*plugins.Client)
	// A cheap call proves the socket answers before we report RUNNING.
	cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := w.rpc.Status(cctx)
	if err != nil {
		return fmt.Errorf("reattach to pid %d: %w", w.rec.Plugin.Pid, err)
	}
	if st.State == plugins.StateStarting {
		// The agent died between saving the record and starting the work.
		return fmt.Errorf("plugin pid %d was never given its work", w.rec.Plugin.Pid)
	}
	return nil
}
