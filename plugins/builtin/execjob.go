package builtin

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/roundhouse/roundhouse/plugins/sdk"
)

// RowsPrefix starts the stdout line an exec job prints to report its row
// counts: "##roundhouse rows processed=N rejected=M". The last such line
// wins; the line is still logged.
const RowsPrefix = "##roundhouse rows "

func newExecJob() *sdk.JobServer {
	j := sdk.NewJobServer(runCommand)
	j.ReportsProcess = true
	return j
}

// runCommand runs the request's command with its parameters in the
// environment, in its own process group, until it exits or is stopped.
func runCommand(ctx context.Context, run *sdk.Run) (sdk.Rows, error) {
	var processed, rejected atomic.Int64
	sink := func(stream, text string, truncated bool) {
		if stream == "stdout" && strings.HasPrefix(text, RowsPrefix) {
			var p, r int64
			if _, err := fmt.Sscanf(strings.TrimPrefix(text, RowsPrefix), "processed=%d rejected=%d", &p, &r); err == nil {
				processed.Store(p)
				rejected.Store(r)
			}
		}
		run.Sink(stream, text, truncated)
	}
	req := run.Request
	proc, err := sdk.StartProcess(sdk.ProcessSpec{Command: req.Command, Dir: req.WorkDir, Env: req.Env, ForkCgroups: req.ForkCgroups, HomeCgroups: req.HomeCgroups}, sink)
	if err != nil {
		return sdk.Rows{}, err
	}
	run.StartedProcess(proc.Pid())
	select {
	case <-proc.Done():
	case <-ctx.Done():
		proc.Stop(run.StopGrace())
	}
	out := proc.Outcome()
	rows := sdk.Rows{Processed: processed.Load(), Rejected: rejected.Load(), EndedAt: out.EndedAt}
	if out.ExitCode != 0 || out.Error != "" {
		if out.Error != "" {
			return rows, fmt.Errorf("%s", out.Error)
		}
		return rows, &sdk.ExitError{Code: out.ExitCode, Signal: out.Signal, EndedAt: out.EndedAt}
	}
	return rows, nil
}
