package protocol

import "time"

// Message types of the work stream (assignments, statuses, logs) and of
// artifact download streams. Values are part of the wire contract.
const (
	TypeWorkOpen        MessageType = 10
	TypeStartExecution  MessageType = 11
	TypeStopExecution   MessageType = 12
	TypeExecutionStatus MessageType = 13
	TypeStatusAck       MessageType = 14
	TypeLogBatch        MessageType = 15
	TypeArtifactRequest MessageType = 16
	TypeArtifactHeader  MessageType = 17
	// TypeLogAck is numbered apart from the deployment messages (18+).
	TypeLogAck MessageType = 30
)

// WorkOpen is the first message of the work stream, which the agent opens
// right after the Welcome. The server then pushes StartExecution and
// StopExecution on it; the agent sends ExecutionStatus (answered by
// StatusAck) and LogBatch.
type WorkOpen struct {
	// Running is how many workloads the agent runs now (informational).
	Running int `json:"running"`
	// Known lists every execution attempt the agent holds at this moment:
	// taken and not yet finished, or finished with a final status not yet
	// acknowledged. An empty list says "none"; an absent one (nil, from
	// agents before this field) says nothing. For the session it opens,
	// the server takes it as the truth: an assignment sent earlier and
	// missing here was lost (the agent restarted without it) and goes
	// back to the queue; one listed that ended on the control plane is
	// stopped.
	Known []ExecutionRef `json:"known"`
}

// ExecutionRef names one attempt of an execution.
type ExecutionRef struct {
	ExecutionID string `json:"executionId"`
	Attempt     int    `json:"attempt"`
}

// MessageType implements Message.
func (*WorkOpen) MessageType() MessageType { return TypeWorkOpen }

// ArtifactRef names an artifact archive by content.
type ArtifactRef struct {
	Digest  string `json:"digest"` // "sha256:<hex>"
	Size    int64  `json:"size"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Limits are the run profile's resource limits; zero means unlimited.
type Limits struct {
	CPUMillis    int `json:"cpuMillis,omitempty"`
	MemoryMB     int `json:"memoryMB,omitempty"`
	MaxProcesses int `json:"maxProcesses,omitempty"`
	MaxOpenFiles int `json:"maxOpenFiles,omitempty"`
}

// StartExecution assigns one attempt of an execution to the engine. The
// server sends it once per session while the execution waits for the
// engine; the agent runs an (execution, attempt) at most once, and
// answers a repeat with the status it already has.
type StartExecution struct {
	ExecutionID   string            `json:"executionId"`
	Attempt       int               `json:"attempt"`
	TaskID        string            `json:"taskId,omitempty"`
	Artifact      ArtifactRef       `json:"artifact"`
	Entrypoint    []string          `json:"entrypoint"`
	Parameters    map[string]string `json:"parameters,omitempty"`
	Limits        Limits            `json:"limits"`
	TimeoutMillis int64             `json:"timeoutMillis,omitempty"`
	RunAs         string            `json:"runAs,omitempty"`
	LogLevel      string            `json:"logLevel,omitempty"`
}

// MessageType implements Message.
func (*StartExecution) MessageType() MessageType { return TypeStartExecution }

// Timeout is TimeoutMillis as a duration.
func (s *StartExecution) Timeout() time.Duration {
	return time.Duration(s.TimeoutMillis) * time.Millisecond
}

// StopExecution asks the agent to stop an execution it runs (a user's
// stop, or the control plane ended it already: a timeout).
type StopExecution struct {
	ExecutionID string `json:"executionId"`
	Attempt     int    `json:"attempt"`
	Reason      string `json:"reason,omitempty"`
}

// MessageType implements Message.
func (*StopExecution) MessageType() MessageType { return TypeStopExecution }

// Execution statuses an agent reports (the product's enums).
const (
	ExecStarting          = "STARTING_FLOW_EXECUTION"
	ExecSuccess           = "EXECUTION_SUCCESS"
	ExecFailed            = "EXECUTION_FAILED"
	ExecDeployFailed      = "DEPLOY_FAILED"
	ExecTerminated        = "EXECUTION_TERMINATED"
	ExecTerminatedTimeout = "EXECUTION_TERMINATED_TIMEOUT"
)

// ExecutionStatus reports what happened to an execution attempt. Final
// statuses are repeated (also across agent restarts) until a StatusAck
// for them arrives.
type ExecutionStatus struct {
	ExecutionID   string `json:"executionId"`
	Attempt       int    `json:"attempt"`
	Status        string `json:"status"`
	ExitCode      int    `json:"exitCode,omitempty"`
	ProcessedRows int64  `json:"processedRows,omitempty"`
	RejectedRows  int64  `json:"rejectedRows,omitempty"`
	Message       string `json:"message,omitempty"`
}

// MessageType implements Message.
func (*ExecutionStatus) MessageType() MessageType { return TypeExecutionStatus }

// StatusAck says a status is recorded in the replicated state (or no
// longer needed): the agent may forget the result.
type StatusAck struct {
	ExecutionID string `json:"executionId"`
	Attempt     int    `json:"attempt"`
	Status      string `json:"status"`
}

// MessageType implements Message.
func (*StatusAck) MessageType() MessageType { return TypeStatusAck }

// LogLine is one line a workload wrote.
type LogLine struct {
	Time     time.Time `json:"time"`
	Severity string    `json:"severity,omitempty"` // INFO (stdout) or ERROR (stderr)
	Message  string    `json:"message"`
	// Seq numbers the lines of one execution attempt from 1, in order;
	// 0 (agents before it) means unnumbered. The server stores a line
	// once per Seq and acknowledges with LogAck, so an agent may resend
	// what it is not sure arrived.
	Seq uint64 `json:"seq,omitempty"`
}

// LogBatch carries log lines of one execution. A batch stays well under
// MaxFrameSize: senders split at MaxLogBatchBytes.
type LogBatch struct {
	ExecutionID string    `json:"executionId"`
	Attempt     int       `json:"attempt"`
	Lines       []LogLine `json:"lines"`
}

// MaxLogBatchBytes bounds the message text of one LogBatch; with JSON
// escaping it keeps the frame under MaxFrameSize.
const MaxLogBatchBytes = 96 << 10

// MessageType implements Message.
func (*LogBatch) MessageType() MessageType { return TypeLogBatch }

// LogAck says the numbered lines of an execution attempt up to Seq are
// stored: an agent restarted later resends only the lines after it.
type LogAck struct {
	ExecutionID string `json:"executionId"`
	Attempt     int    `json:"attempt"`
	Seq         uint64 `json:"seq"`
}

// MessageType implements Message.
func (*LogAck) MessageType() MessageType { return TypeLogAck }

// ArtifactRequest opens an artifact download stream: the agent asks for
// an archive by digest. The answer is an Error, or an ArtifactHeader
// followed by exactly Size raw bytes on the same stream (large archives
// are not framed, so the frame cap does not limit them).
type ArtifactRequest struct {
	Digest string `json:"digest"`
}

// MessageType implements Message.
func (*ArtifactRequest) MessageType() MessageType { return TypeArtifactRequest }

// ArtifactHeader precedes the raw bytes of an archive.
type ArtifactHeader struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// MessageType implements Message.
func (*ArtifactHeader) MessageType() MessageType { return TypeArtifactHeader }

// Error codes of the work and artifact streams.
const (
	CodeArtifactNotFound = "ARTIFACT_NOT_FOUND" // no artifact with that digest
)
