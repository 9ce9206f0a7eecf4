package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

func newTasksCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "tasks", Aliases: []string{"task"}, Short: "Manage and run job tasks"}
	cmd.AddCommand(tasksLsCmd(flags), tasksCreateCmd(flags), tasksRunCmd(flags),
		taskActionCmd(flags, "pause", "Pause a task: no run is possible until it is resumed"),
		taskActionCmd(flags, "resume", "Resume a paused task"),
		deleteCmd(flags, "rm ID", "Delete a task",
			func(c *api.Client, ctx context.Context, id string) error { return c.Tasks().Delete(ctx, id) }))
	return cmd
}

func tasksLsCmd(flags *clientFlags) *cobra.Command {
	var workspace string
	ls := &cobra.Command{
		Use: "ls", Short: "List tasks", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			list, err := c.Tasks().List(cmd.Context(), api.TaskFilter{WorkspaceID: workspace})
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tWORKSPACE\tVERSION\tSTATE")
			for _, t := range list {
				version, st := t.ArtifactVersion, "Active"
				if t.AlwaysLatest {
					version = "latest"
				}
				if t.Paused {
					st = "Paused: " + t.PauseReason
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.WorkspaceID, version, st)
			}
			return tw.Flush()
		},
	}
	ls.Flags().StringVar(&workspace, "workspace", "", "only this workspace")
	return ls
}

func tasksCreateCmd(flags *clientFlags) *cobra.Command {
	var workspace, artifact, version, engine, cluster, logLevel string
	var params map[string]string
	var parallel bool
	var timeout int
	create := &cobra.Command{
		Use: "create NAME", Short: "Create a job task and, with --engine or --cluster, its run config", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if workspace == "" || artifact == "" {
				return usageError{fmt.Errorf("--workspace and --artifact are required")}
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			t, err := c.Tasks().Create(cmd.Context(), api.TaskCreate{Name: args[0], WorkspaceID: workspace, Parameters: params,
				Artifact: api.ArtifactRef{ID: artifact, Version: version}, AlwaysLatest: version == ""})
			if err != nil {
				return err
			}
			if engine != "" || cluster != "" {
				rt := api.TaskRuntime{Type: api.RuntimeEngine, ID: engine}
				if cluster != "" {
					rt = api.TaskRuntime{Type: api.RuntimeEngineCluster, ID: cluster}
				}
				rc := api.RunConfig{Runtime: rt, ParallelExecutionAllowed: parallel, LogLevel: logLevel, TimeoutMinutes: timeout}
				if err := c.Tasks().SetRunConfig(cmd.Context(), t.ID, rc); err != nil {
					return fmt.Errorf("task %s created, but its run config was refused: %w", t.ID, err)
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), t.ID)
			return nil
		},
	}
	fl := create.Flags()
	fl.StringVar(&workspace, "workspace", "", "workspace ID")
	fl.StringVar(&artifact, "artifact", "", "artifact ID")
	fl.StringVar(&version, "version", "", "artifact version (default: always the latest)")
	fl.StringToStringVar(&params, "param", nil, "parameter NAME=VALUE (repeatable)")
	fl.StringVar(&engine, "engine", "", "run on this engine")
	fl.StringVar(&cluster, "cluster", "", "run on this engine cluster")
	fl.BoolVar(&parallel, "parallel", false, "allow parallel runs")
	fl.StringVar(&logLevel, "log-level", "", "OFF, ERROR, WARN (default), INFO, DEBUG or TRACE")
	fl.IntVar(&timeout, "timeout", 0, "timeout in minutes (default 5, minimum 1)")
	return create
}

func tasksRunCmd(flags *clientFlags) *cobra.Command {
	var params map[string]string
	var logLevel string
	var timeout int
	run := &cobra.Command{
		Use: "run ID", Short: "Run a task now; prints the execution ID", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			out, err := c.Executions().Run(cmd.Context(), api.RunRequest{Executable: args[0], Parameters: params, LogLevel: logLevel, Timeout: timeout})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.ExecutionID)
			return nil
		},
	}
	run.Flags().StringToStringVar(&params, "param", nil, "parameter NAME=VALUE (repeatable)")
	run.Flags().StringVar(&logLevel, "log-level", "", "log level of this run")
	run.Flags().IntVar(&timeout, "timeout", 0, "timeout of this run in minutes")
	return run
}

func taskActionCmd(flags *clientFlags, action, short string) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use: action + " ID", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			act := c.Tasks().Resume
			if action == "pause" {
				act = func(ctx context.Context, id string) (*api.Task, error) { return c.Tasks().Pause(ctx, id, reason) }
			}
			t, err := act(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "task %s %sd\n", t.Name, action)
			return nil
		},
	}
	if action == "pause" {
		cmd.Flags().StringVar(&reason, "reason", "", "why (shown on the task)")
	}
	return cmd
}
