package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

func newPlansCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "plans", Aliases: []string{"plan"}, Short: "Manage and run plans"}
	cmd.AddCommand(plansCreateCmd(flags), plansRunCmd(flags), plansGetCmd(flags), plansRerunCmd(flags),
		call(flags, "stop EXECUTION_ID", "Stop a plan execution", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
			_, err := c.Plans().Stop(cmd.Context(), args[0])
			return err
		}),
		call(flags, "pause PLAN_ID", "Pause a plan: no run is possible until it is resumed", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
			_, err := c.Plans().Pause(cmd.Context(), args[0], "")
			return err
		}),
		call(flags, "resume PLAN_ID", "Resume a paused plan", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
			_, err := c.Plans().Resume(cmd.Context(), args[0])
			return err
		}),
		deleteCmd(flags, "rm PLAN_ID", "Delete a plan",
			func(c *api.Client, ctx context.Context, id string) error { return c.Plans().Delete(ctx, id) }))
	return cmd
}

func plansCreateCmd(flags *clientFlags) *cobra.Command {
	var file string
	create := &cobra.Command{
		Use: "create -f FILE", Short: `Create a plan from FILE: {"name","workspaceId","steps":[{"name","condition","taskIds","onFailure":{"taskIds"}}]}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var in api.PlanCreate
			if err := readJSONFile(file, &in); err != nil {
				return err
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			out, err := c.Plans().Create(cmd.Context(), in)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.ID)
			return nil
		},
	}
	create.Flags().StringVarP(&file, "file", "f", "-", "JSON file with the plan (- for stdin)")
	return create
}

func plansRunCmd(flags *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "run PLAN_ID", Short: "Run a plan now", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			out, err := c.Plans().Run(cmd.Context(), api.PlanRunRequest{Executable: args[0]})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.ExecutionID)
			return nil
		},
	}
}

func plansGetCmd(flags *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "get EXECUTION_ID", Short: "Show a plan execution and its steps", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			v, err := c.Plans().Execution(cmd.Context(), args[0])
			if err != nil {
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
			out, err := c.Plans().Rerun(cmd.Context(), args[0], api.PlanRerun{FromStep: from, OnlyFailed: onlyFailed})
			if err != nil {
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
