package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newPlansCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "plans", Aliases: []string{"plan"}, Short: "Manage and run plans"}
	cmd.AddCommand(plansCreateCmd(flags), plansRunCmd(flags), plansGetCmd(flags), plansRerunCmd(flags),
		plansPostCmd(flags, "stop EXECUTION_ID", "Stop a plan execution", "/processing/executions/plans/%s/stop"),
		plansPostCmd(flags, "pause PLAN_ID", "Pause a plan: no run is possible until it is resumed", "/orchestration/executables/plans/%s/pause"),
		plansPostCmd(flags, "resume PLAN_ID", "Resume a paused plan", "/orchestration/executables/plans/%s/resume"),
		deleteCmd(flags, "rm PLAN_ID", "Delete a plan", "/orchestration/executables/plans/"))
	return cmd
}

func plansCreateCmd(flags *clientFlags) *cobra.Command {
	var file string
	create := &cobra.Command{
		Use: "create -f FILE", Short: `Create a plan from FILE: {"name","workspaceId","steps":[{"name","condition","taskIds","onFailure":{"taskIds"}}]}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := readJSONFile(file)
			if err != nil {
				return err
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			var out struct {
				ID string `json:"id"`
			}
			if err := c.do(cmd.Context(), "POST", "/orchestration/executables/plans", body, &out); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.ID)
			return nil
		},
	}
	create.Flags().StringVarP(&file, "file", "f", "-", "JSON file with the plan (- for stdin)")
	return create
}

type executionStarted struct {
	ExecutionID string `json:"executionId"`
}

func plansRunCmd(flags *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "run PLAN_ID", Short: "Run a plan now", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			var out executionStarted
			if err := c.do(cmd.Context(), "POST", "/processing/executions/plans", map[string]string{"executable": args[0]}, &out); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.ExecutionID)
			return nil
		},
	}
}

type planRunView struct {
	ID     string `json:"executionId"`
	Status string `json:"status"`
	Steps  []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Tasks  []struct {
			TaskID string `json:"taskId"`
			Status string `json:"executionStatus"`
		} `json:"tasks"`
	} `json:"steps"`
}

func plansGetCmd(flags *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "get EXECUTION_ID", Short: "Show a plan execution and its steps", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			var v planRunView
			if err := c.do(cmd.Context(), "GET", "/processing/executions/plans/"+args[0], nil, &v); err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), v)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", v.ID, v.Status)
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "#\tSTEP\tSTATUS\tTASKS")
			for i, s := range v.Steps {
				var tasks []string
				for _, t := range s.Tasks {
					tasks = append(tasks, t.TaskID+"="+t.Status)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i+1, s.Name, s.Status, strings.Join(tasks, " "))
			}
			return tw.Flush()
		},
	}
}

func plansRerunCmd(flags *clientFlags) *cobra.Command {
	var from int
	var onlyFailed bool
	rerun := &cobra.Command{
		Use: "rerun EXECUTION_ID --from N", Short: "Rerun a failed plan execution from step N", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			var out executionStarted
			if err := c.do(cmd.Context(), "POST", "/processing/executions/plans/"+args[0]+"/rerun",
				map[string]any{"fromStep": from, "onlyFailed": onlyFailed}, &out); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.ExecutionID)
			return nil
		},
	}
	rerun.Flags().IntVar(&from, "from", 1, "first step to run again (1-based)")
	rerun.Flags().BoolVar(&onlyFailed, "only-failed", false, "rerun only the tasks of that step that did not succeed")
	return rerun
}

func plansPostCmd(flags *clientFlags, use, short, pathFmt string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			return c.do(cmd.Context(), "POST", fmt.Sprintf(pathFmt, args[0]), nil, nil)
		},
	}
}
