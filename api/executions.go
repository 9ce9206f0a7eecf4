package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"time"
)

// Execution is one run of a task. ExecutionStatus is the detailed status
// (e.g. "EXECUTION_SUCCESS"); Status the short one (e.g. "succeeded").
type Execution struct {
	ID              string            `json:"executionId"`
	TaskID          string            `json:"jobId"`
	TaskVersion     int               `json:"jobVersion"`
	WorkspaceID     string            `json:"workspaceId"`
	EnvironmentID   string            `json:"environmentId"`
	ArtifactID      string            `json:"artifactId"`
	ArtifactVersion string            `json:"artifactVersion"`
	ArtifactDigest  string            `json:"artifactDigest"`
	Entrypoint      []string          `json:"entrypoint,omitempty"`
	Parameters      map[string]string `json:"parameters"`
	LogLevel        string            `json:"logLevel"`
	TimeoutMinutes  int               `json:"timeout"`
	ParallelAllowed bool              `json:"parallelExecutionAllowed"`
	RunAsUser       string            `json:"remoteRunAsUser,omitempty"`
	RuntimeType     string            `json:"executionDestination"`
	RuntimeID       string            `json:"runtimeId"`
	RunProfileID    string            `json:"runProfileId,omitempty"`
	ExecutionType   string            `json:"executionType"`
	UserID          string            `json:"userId,omitempty"`
	ExecutionStatus string            `json:"executionStatus"`
	Status          string            `json:"status"`
	Active          bool              `json:"active"`
	EngineID        string            `json:"remoteEngineId,omitempty"`
	Attempt         int               `json:"attempt"`
	BusyRetries     int               `json:"busyRetries"`
	TriggerTime     time.Time         `json:"triggerTimestamp"`
	NextAttemptAt   *time.Time        `json:"nextAttemptTimestamp,omitempty"`
	DispatchedAt    *time.Time        `json:"dispatchTimestamp,omitempty"`
	StartedAt       *time.Time        `json:"startTimestamp,omitempty"`
	StopRequestedAt *time.Time        `json:"stopRequestTimestamp,omitempty"`
	FinishedAt      *time.Time        `json:"finishTimestamp,omitempty"`
	ProcessedRows   int64             `json:"numberOfProcessedRows"`
	RejectedRows    int64             `json:"numberOfRejectedRows"`
	ErrorType       string            `json:"errorType,omitempty"`
	ErrorMessage    string            `json:"errorMessage,omitempty"`
	LogNodes        []string          `json:"logNodes,omitempty"`
	// What the engine last said, when the control plane decided otherwise.
	EngineReportedStatus  string `json:"engineReportedStatus,omitempty"`
	EngineReportedMessage string `json:"engineReportedMessage,omitempty"`
}

// RunRequest starts an execution of Executable (a task ID).
type RunRequest struct {
	Executable string            `json:"executable,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
	LogLevel   string            `json:"logLevel,omitempty"`
	Timeout    int               `json:"timeout,omitempty"` // minutes
}

// ExecutionStarted is the answer to a run.
type ExecutionStarted struct {
	ExecutionID string `json:"executionId"`
}

// ExecutionFilter narrows an execution list; zero fields match all.
type ExecutionFilter struct {
	Status, TaskID, EngineID string
	From, To                 time.Time
	ListOptions
}

// LogLine is one line of an execution's log.
type LogLine struct {
	Timestamp time.Time `json:"timestamp"`
	Severity  string    `json:"severity,omitempty"`
	Message   string    `json:"logMessage"`
	Attempt   int       `json:"attempt,omitempty"`
	Seq       uint64    `json:"seq,omitempty"`
}

// Executions calls /processing/executions.
type Executions struct{ c *Client }

// Executions returns the execution calls.
func (c *Client) Executions() Executions { return Executions{c} }

const executionsPath = "/processing/executions"

func executionPath(id string) string { return executionsPath + "/" + url.PathEscape(id) }

// Run starts an execution of a task.
func (s Executions) Run(ctx context.Context, in RunRequest) (*ExecutionStarted, error) {
	var out ExecutionStarted
	return &out, s.c.Do(ctx, "POST", executionsPath, nil, in, &out)
}

// Get reads one execution.
func (s Executions) Get(ctx context.Context, id string) (*Execution, error) {
	var out Execution
	return &out, s.c.Do(ctx, "GET", executionPath(id), nil, nil, &out)
}

// List lists one page of the executions the caller may see, newest first.
func (s Executions) List(ctx context.Context, f ExecutionFilter) (*Page[Execution], error) {
	q := query("status", f.Status, "taskId", f.TaskID, "engineId", f.EngineID)
	if !f.From.IsZero() {
		q.Set("from", f.From.Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.Format(time.RFC3339Nano))
	}
	var out Page[Execution]
	return &out, s.c.Do(ctx, "GET", executionsPath, pageQuery(q, f.ListOptions), nil, &out)
}

// Stop asks an execution to stop and returns it as it now stands.
func (s Executions) Stop(ctx context.Context, id string) (*Execution, error) {
	var out Execution
	return &out, s.c.Do(ctx, "POST", executionPath(id)+"/stop", nil, nil, &out)
}

// Wait polls an execution every interval until done says so (nil: until
// it is no longer active) and returns it as it then stands.
func (s Executions) Wait(ctx context.Context, id string, interval time.Duration, done func(*Execution) bool) (*Execution, error) {
	if done == nil {
		done = func(e *Execution) bool { return !e.Active && e.FinishedAt != nil }
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		e, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if done(e) {
			return e, nil
		}
		select {
		case <-ctx.Done():
			return e, fmt.Errorf("execution %s: %w", id, ctx.Err())
		case <-t.C:
		}
	}
}

// ReadLogs opens an execution's log as it now stands; the caller closes
// the stream.
func (s Executions) ReadLogs(ctx context.Context, id string) (*LogStream, error) {
	return s.openLogs(ctx, id, false)
}

// Logs reads an execution's log lines as they now stand.
func (s Executions) Logs(ctx context.Context, id string) ([]LogLine, error) {
	st, err := s.ReadLogs(ctx, id)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []LogLine
	for {
		l, err := st.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, l)
	}
}

// FollowLogs streams an execution's log lines: those already written,
// then new ones as they arrive, until the execution has ended (Next
// returns io.EOF) or ctx ends. The caller closes the stream.
func (s Executions) FollowLogs(ctx context.Context, id string) (*LogStream, error) {
	return s.openLogs(ctx, id, true)
}

func (s Executions) openLogs(ctx context.Context, id string, follow bool) (*LogStream, error) {
	q := url.Values{}
	if follow {
		q.Set("follow", "true")
	}
	resp, err := s.c.Raw(ctx, "GET", executionPath(id)+"/logs", q, "", nil)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	return &LogStream{body: resp.Body, lines: sc}, nil
}

// LogStream reads log lines (JSON lines) as the server sends them.
type LogStream struct {
	body  io.ReadCloser
	lines *bufio.Scanner
}

// Next returns the next line; io.EOF once the stream has ended.
func (s *LogStream) Next() (LogLine, error) {
	for s.lines.Scan() {
		var l LogLine
		if len(s.lines.Bytes()) == 0 {
			continue
		}
		if err := json.Unmarshal(s.lines.Bytes(), &l); err != nil {
			return l, fmt.Errorf("log line %q: %w", s.lines.Bytes(), err)
		}
		return l, nil
	}
	if err := s.lines.Err(); err != nil {
		return LogLine{}, err
	}
	return LogLine{}, io.EOF
}

// Raw is the stream as the server sends it (JSON lines), for a reader
// that uses it instead of Next.
func (s *LogStream) Raw() io.Reader { return s.body }

// Close ends the stream.
func (s *LogStream) Close() error { return s.body.Close() }
