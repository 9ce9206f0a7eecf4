package runtime

import (
	"fmt"
	"regexp"
	"time"
)

// Workload kinds.
const (
	KindJob       = "job"
	KindService   = "service"
	KindContainer = "container"
)

// DefaultContainerPort is the runtime container's HTTP port.
const DefaultContainerPort = 8040

// Limits are a run profile's resource limits; zero means unlimited.
type Limits struct {
	CPUMillis    int `json:"cpuMillis,omitempty"` // 1000 = one core
	MemoryMB     int `json:"memoryMB,omitempty"`
	MaxProcesses int `json:"maxProcesses,omitempty"`
	MaxOpenFiles int `json:"maxOpenFiles,omitempty"`
}

// Spec describes a workload to start.
type Spec struct {
	// ID names the workload (an execution or deployment id): letters,
	// digits, '.', '_', '-', at most 64.
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// ArtifactDir is the unpacked, verified artifact.
	ArtifactDir string `json:"artifactDir"`
	// Entrypoint as in the manifest: a first element "./x" is a file of
	// the artifact; "${NAME}" is replaced by parameter NAME.
	Entrypoint []string `json:"entrypoint"`
	// Plugin is the built-in plugin to run it with: "exec" (default for
	// jobs and services) or "http-service".
	Plugin string `json:"plugin,omitempty"`
	// EntrypointIsPlugin says the entrypoint itself speaks the plugin
	// protocol (artifact runner "plugin", written with plugins/sdk).
	EntrypointIsPlugin bool              `json:"entrypointIsPlugin,omitempty"`
	Parameters         map[string]string `json:"parameters,omitempty"`
	Limits             Limits            `json:"limits"`
	// Timeout kills a job (and all its processes) once exceeded; 0: none.
	Timeout time.Duration `json:"timeout,omitempty"`
	// RunAs is a user name or numeric uid to run as; "" runs as the agent.
	RunAs string `json:"runAs,omitempty"`
	// Port for services and the container; 0 picks one from the pool (the
	// container defaults to 8040).
	Port       int    `json:"port,omitempty"`
	HealthPath string `json:"healthPath,omitempty"`
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func (s Spec) validate(kind string) error {
	if !idPattern.MatchString(s.ID) {
		return fmt.Errorf("workload id %q: want 1-64 letters, digits, '.', '_' or '-'", s.ID)
	}
	if kind != KindContainer && len(s.Entrypoint) == 0 && s.Plugin != "http-service" {
		return fmt.Errorf("workload %s: empty entrypoint", s.ID)
	}
	if s.Port < 0 || s.Port > 65535 {
		return fmt.Errorf("workload %s: port %d out of range", s.ID, s.Port)
	}
	return nil
}

// Status is how a workload ended.
type Status string

// Result statuses. The agent maps them to execution states
// (EXECUTION_SUCCESS, EXECUTION_FAILED, EXECUTION_TERMINATED_TIMEOUT, ...).
const (
	StatusSucceeded   Status = "SUCCEEDED"
	StatusFailed      Status = "FAILED"
	StatusMemoryLimit Status = "MEMORY_LIMIT" // killed for exceeding its memory limit
	StatusTimeout     Status = "TIMEOUT"
	StatusStopped     Status = "STOPPED"
	StatusLost        Status = "LOST"         // gone while no agent was watching
	StatusStartFailed Status = "START_FAILED" // never ran: bad artifact, plugin crash, handshake
)

// Result is a finished workload's outcome.
type Result struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Status    Status    `json:"status"`
	ExitCode  int       `json:"exitCode"`
	Signal    string    `json:"signal,omitempty"`
	Processed int64     `json:"processed"`
	Rejected  int64     `json:"rejected"`
	Error     string    `json:"error,omitempty"`
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt"`
}

// Workload states in Info.
const (
	StateStarting = "STARTING"
	StateRunning  = "RUNNING"
	StateStopping = "STOPPING"
	StateExited   = "EXITED"
)

// Info is a workload as the supervisor knows it.
type Info struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	Version    string    `json:"version"`
	State      string    `json:"state"`
	Port       int       `json:"port,omitempty"`
	PluginPid  int       `json:"pluginPid,omitempty"`
	StartedAt  time.Time `json:"startedAt"`
	Reattached bool      `json:"reattached"`
	Result     *Result   `json:"result,omitempty"`
}
