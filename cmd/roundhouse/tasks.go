package main

import (
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

type taskView struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	WorkspaceID     string `json:"workspaceId"`
	ArtifactVersion string `json:"artifactVersion"`
	AlwaysLatest    bool   `json:"alwaysLatest"`
	Paused          bool   `json:"paused"`
	PauseReason     string `json:"pauseReason"`
}

func newTasksCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "tasks", Aliases: []string{"task"}, Short: "Manage and run job tasks"}
	cmd.AddCommand(tasksLsCmd(flags), tasksCreateCmd(flags), tasksRunCmd(flags),
		taskActionCmd(flags, "pause", "Pause a task: no run is possible until it is resumed"),
		taskActionCmd(flags, "resume", "Resume a paused task"),
		deleteCmd(flags, "rm ID", "Delete a task", "/orchestration/executables/tasks/"))
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
			var page struct {
				Items []taskView `json:"items"`
			}
			if err := c.do(cmd.Context(), "GET", "/orchestration/executables/tasks?limit=1000&workspaceId="+url.QueryEscape(workspace), nil, &page); err != nil {
				return err
			}
			list := page.Items
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
			body := map[string]any{"name": args[0], "workspaceId": workspace, "parameters": params,
				"artifact": map[string]string{"id": artifact, "version": version}, "alwaysLatest": version == ""}
			var t taskView
			if err := c.do(cmd.Context(), "POST", "/orchestration/executables/tasks", body, &t); err != nil {
				return err
			}
			if engine != "" || cluster != "" {
				rt := map[string]string{"type": "REMOTE_ENGINE", "id": engine}
				if cluster != "" {
					rt = map[string]string{"type": "REMOTE_ENGINE_CLUSTER", "id": cluster}
				}
				rc := map[string]any{"runtime": rt, "parallelExecutionAllowed": parallel, "logLevel": logLevel, "timeout": timeout}
				if err := c.do(cmd.Context(), "PUT", "/orchestration/executables/tasks/"+t.ID+"/run-config", rc, nil); err != nil {
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
			body := map[string]any{"executable": args[0], "parameters": params, "logLevel": logLevel, "timeout": timeout}
			var out struct {
				ExecutionID string `json:"executionId"`
			}
			if err := c.do(cmd.Context(), "POST", "/processing/executions", body, &out); err != nil {
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
			var body any
			if reason != "" {
				body = map[string]string{"reason": reason}
			}
			var t taskView
			if err := c.do(cmd.Context(), "POST", "/orchestration/executables/tasks/"+args[0]+"/"+action, body, &t); err != nil {
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
