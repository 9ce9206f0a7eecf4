package plugins

import "time"

// StartRequest tells a plugin what to run. Which fields matter depends on
// the shape: jobs use Command and Env; services add Port and HealthPath;
// the container uses Port and WorkDir.
type StartRequest struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// ArtifactDir is the unpacked artifact (read-only by convention).
	ArtifactDir string `json:"artifactDir"`
	// WorkDir is the workload's own working directory.
	WorkDir string `json:"workDir"`
	// Command is the resolved entrypoint (absolute path first) for plugins
	// that run a command; empty for SDK plugins, which are the code.
	Command []string `json:"command,omitempty"`
	// Env is added to the environment of any process the plugin starts.
	Env map[string]string `json:"env,omitempty"`
	// Parameters are the execution's parameters (also in Env).
	Parameters map[string]string `json:"parameters,omitempty"`
	Port       int               `json:"port,omitempty"`
	HealthPath string            `json:"healthPath,omitempty"`
	// ForkCgroups are cgroup directories the plugin joins just while it
	// starts the command, so the command runs there; HomeCgroups are where
	// it returns. The host uses them to keep the command's process limit
	// apart from the plugin's own threads.
	ForkCgroups []string `json:"forkCgroups,omitempty"`
	HomeCgroups []string `json:"homeCgroups,omitempty"`
}

// StartInfo is what a plugin reports once the workload runs: the process
// group it created, so the host can kill the whole tree.
type StartInfo struct {
	Pid  int `json:"pid,omitempty"`
	Pgid int `json:"pgid,omitempty"`
}

// Outcome is how a job (or a service's process) ended.
type Outcome struct {
	ExitCode  int       `json:"exitCode"`
	Signal    string    `json:"signal,omitempty"`
	Processed int64     `json:"processed"`
	Rejected  int64     `json:"rejected"`
	Error     string    `json:"error,omitempty"`
	Stopped   bool      `json:"stopped,omitempty"`
	EndedAt   time.Time `json:"endedAt"`
}

// StopRequest asks for a graceful stop: SIGTERM, then SIGKILL after Grace.
type StopRequest struct {
	Grace time.Duration `json:"grace"`
}

// Workload states reported by Status.
const (
	StateStarting = "STARTING"
	StateRunning  = "RUNNING"
	StateStopping = "STOPPING"
	StateExited   = "EXITED"
)

// Status is a live view of a workload.
type Status struct {
	State   string  `json:"state"`
	Healthy bool    `json:"healthy"`
	Detail  string  `json:"detail,omitempty"`
	Metrics Metrics `json:"metrics"`
}

// Metrics counts requests served, over sliding windows and in total.
type Metrics struct {
	LastMinute    int64 `json:"lastMinute"`
	Last5Minutes  int64 `json:"last5Minutes"`
	Last15Minutes int64 `json:"last15Minutes"`
	Total         int64 `json:"total"`
	Errors        int64 `json:"errors"`
	// LastMillis and MeanMillis are the process time of the latest
	// request and the mean over every timed one since the start (a
	// route's "last" and "mean process time").
	LastMillis int64 `json:"lastMillis"`
	MeanMillis int64 `json:"meanMillis"`
}

// LogLine is one captured message. Seq increases by one per line of one
// workload, so a reader that resumes from a Seq (after an agent restart)
// can drop what it already has.
type LogLine struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Stream    string    `json:"stream"`
	Text      string    `json:"text"`
	Truncated bool      `json:"truncated,omitempty"`
}

// LogsRequest starts a log stream at a sequence number.
type LogsRequest struct {
	From uint64 `json:"from"`
}
