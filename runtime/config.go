package runtime

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// Cgroup modes for Config.Cgroups.
const (
	CgroupsAuto = "auto" // v2 if the host has it with controllers, else v1, else none
	CgroupsV1   = "v1"
	CgroupsV2   = "v2"
	CgroupsOff  = "off" // rlimits and process groups only
)

// Config configures a Supervisor. The zero value of every field but
// StateDir is a safe default.
type Config struct {
	// StateDir holds one directory per workload: its record (reattach
	// data), result, working directory and plugin socket. Required. Keep
	// the path short: unix socket paths are limited to 107 bytes. For RunAs
	// workloads every directory above it must be traversable (o+x).
	StateDir string

	// PluginCommand returns the argv that starts the named built-in plugin.
	// Default: this executable with the arguments "plugin NAME", which is
	// what roundhouse-engine serves.
	PluginCommand func(name string) []string

	// PluginEnv is added to every plugin's environment. Plugins do NOT
	// inherit the agent's environment (its secrets stay out of workloads);
	// they get PATH, LANG, HOME and TMPDIR (the work directory) and this.
	PluginEnv []string

	// MaxConcurrentJobs caps running jobs; StartJob waits for a free slot.
	// Default 3 (the product's default per engine).
	MaxConcurrentJobs int

	// WarmPlugins is how many exec plugins are kept started ahead of need
	// (in a cgroup, without limits until a job takes one), so that a job
	// starts with one RPC instead of a process start. Default 2; negative
	// disables. Each idle one holds about 10 MB.
	WarmPlugins int

	// MaxServices caps microservices per engine. Default 20 (Talend's).
	MaxServices int

	// PortRangeStart and PortRangeEnd (inclusive) bound automatic service
	// ports. Default 5060 to 5259 (Talend starts at 5060).
	PortRangeStart, PortRangeEnd int

	// StartTimeout bounds a plugin's start and handshake. Default 10 s.
	StartTimeout time.Duration

	// StopGrace is how long a stopping workload gets between SIGTERM and
	// SIGKILL. Default 5 s.
	StopGrace time.Duration

	// Cgroups selects the limit mechanism: CgroupsAuto (default), V1, V2
	// or Off. Without cgroups memory, CPU and process limits are not
	// enforced (RLIMIT_AS is unusable for Go programs); open files still
	// are, through rlimits.
	Cgroups string

	// CgroupParent names the cgroup under which workloads get theirs.
	// Default "roundhouse".
	CgroupParent string

	// PluginTaskAllowance is added to a run profile's process limit: the
	// pids controller counts threads, and a Go plugin uses about 10 of its
	// own. Default 64.
	PluginTaskAllowance int

	// OnLog receives every captured log line of every workload, from its
	// monitor goroutine. The position is saved about once a second, so
	// after an agent restart up to a second of lines may come again;
	// LogLine.Seq lets the receiver drop those. Nil discards logs.
	OnLog func(workloadID string, line plugins.LogLine)

	// LogFrom, when set, may take over a workload's log position: true
	// with the first Seq not yet safely delivered, and the runtime keeps
	// no position of its own for it. The agent answers for executions from
	// the server's acknowledgements, so a restart resends every line not
	// acknowledged, and only those. Nil, or false for a workload: the
	// runtime saves the position about once a second (see OnLog).
	LogFrom func(workloadID string) (uint64, bool)

	// Logger receives the supervisor's own events. Default slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.StateDir == "" {
		return c, errors.New("supervisor config: StateDir is required")
	}
	if c.PluginCommand == nil {
		self, err := os.Executable()
		if err != nil {
			return c, err
		}
		c.PluginCommand = func(name string) []string { return []string{self, "plugin", name} }
	}
	if c.MaxConcurrentJobs <= 0 {
		c.MaxConcurrentJobs = 3
	}
	if c.WarmPlugins == 0 {
		c.WarmPlugins = 2
	}
	if c.MaxServices <= 0 {
		c.MaxServices = 20
	}
	if c.PortRangeStart <= 0 {
		c.PortRangeStart = 5060
	}
	if c.PortRangeEnd < c.PortRangeStart {
		c.PortRangeEnd = c.PortRangeStart + 199
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 10 * time.Second
	}
	if c.StopGrace <= 0 {
		c.StopGrace = 5 * time.Second
	}
	if c.Cgroups == "" {
		c.Cgroups = CgroupsAuto
	}
	if c.CgroupParent == "" {
		c.CgroupParent = "roundhouse"
	}
	if c.PluginTaskAllowance <= 0 {
		c.PluginTaskAllowance = 64
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// workloadsDir holds one directory per workload; containersDir holds the
// runtime containers' bundle state, which survives container restarts.
func (c Config) workloadsDir() string  { return filepath.Join(c.StateDir, "workloads") }
func (c Config) containersDir() string { return filepath.Join(c.StateDir, "containers") }
