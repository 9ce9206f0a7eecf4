package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// jobRun is the outcome of the sample job.
type jobRun struct {
	status string        // final executionStatus
	took   time.Duration // `tasks run` to final state
}

// runHelloJob runs the README's sample job (examples/hello-job) once on
// the engine through the CLI: artifact build, upload, tasks create, tasks
// run, then waits for its final state.
func runHelloJob(ctx context.Context, n *node, cli, jobDir, tmp, engineID, envID string) (jobRun, error) {
	cmd := cliRunner{ctx: ctx, bin: cli, env: []string{"ROUNDHOUSE_SERVER=" + n.api.Address(), "ROUNDHOUSE_TOKEN=" + adminToken}}
	wsID, err := sharedWorkspace(ctx, n.api, envID)
	if err != nil {
		return jobRun{}, err
	}
	archive := filepath.Join(tmp, "hello-job.tar.gz")
	if _, err := cmd.run("artifact", "build", jobDir, "-o", archive); err != nil {
		return jobRun{}, err
	}
	out, err := cmd.run("artifact", "upload", archive, "--json", "--workspace", wsID)
	if err != nil {
		return jobRun{}, err
	}
	var art struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &art); err != nil || art.ID == "" {
		return jobRun{}, fmt.Errorf("artifact upload answered %q: %v", out, err)
	}
	task, err := cmd.run("tasks", "create", "hello-agentidle", "--workspace", wsID, "--artifact", art.ID,
		"--version", "1.0.0", "--engine", engineID, "--log-level", "INFO")
	if err != nil {
		return jobRun{}, err
	}
	t0 := time.Now()
	execID, err := cmd.run("tasks", "run", task, "--param", "GREETING=agentidle")
	if err != nil {
		return jobRun{}, err
	}
	var status string
	err = benchkit.WaitUntil(ctx, "the sample job to end", 60*time.Second, func() bool {
		v, err := n.api.Executions().Get(ctx, execID)
		if err == nil {
			status = v.ExecutionStatus
		}
		return err == nil && state.IsFinalStatus(status)
	})
	if err != nil {
		return jobRun{}, err
	}
	return jobRun{status: status, took: time.Since(t0)}, nil
}

// sharedWorkspace is the Shared workspace of the default environment; the
// bootstrap admin owns it and so holds every right there.
func sharedWorkspace(ctx context.Context, a *api.Client, envID string) (string, error) {
	wss, err := a.Workspaces().List(ctx, api.WorkspaceFilter{EnvironmentID: envID})
	if err != nil {
		return "", err
	}
	for _, ws := range wss {
		if ws.Type == "SHARED" {
			return ws.ID, nil
		}
	}
	return "", fmt.Errorf("environment %s has no Shared workspace", envID)
}

// cliRunner runs `roundhouse` CLI commands against the node.
type cliRunner struct {
	ctx context.Context
	bin string
	env []string
}

func (c cliRunner) run(args ...string) (string, error) {
	cmd := exec.CommandContext(c.ctx, c.bin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("roundhouse %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return strings.TrimSpace(stdout.String()), nil
}
