package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// deploymentView is one deployment record as the API shows it.
type deploymentView struct {
	EngineID        string    `json:"engineId"`
	EngineName      string    `json:"engineName"`
	Status          string    `json:"status"`
	SubStatus       string    `json:"subStatus"`
	ArtifactVersion string    `json:"artifactVersion"`
	Port            int       `json:"port"`
	DeployedBy      string    `json:"deployedBy"`
	Start           time.Time `json:"start"`
	Stop            time.Time `json:"stop"`
	MetricsStale    bool      `json:"metricsStale"`
}

// withDeployments adds deploy, undeploy and deployments to the tasks
// command: route and data-service tasks are deployed, not run.
func withDeployments(cmd *cobra.Command, flags *clientFlags) *cobra.Command {
	cmd.AddCommand(deployActionCmd(flags, "deploy", "Deploy a route or data-service task (the whole cluster, or --engine only)"),
		deployActionCmd(flags, "undeploy", "Undeploy a route or data-service task (everywhere, or --engine only)"),
		deploymentsCmd(flags))
	return cmd
}

func deployActionCmd(flags *clientFlags, action, short string) *cobra.Command {
	var engine string
	c := &cobra.Command{
		Use: action + " TASK", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			var body any
			if engine != "" {
				body = map[string]string{"engineId": engine}
			}
			var out map[string]any
			if err := c.do(cmd.Context(), "POST", "/orchestration/executables/tasks/"+args[0]+"/"+action, body, &out); err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s requested; follow it with: roundhouse task deployments %s\n", action, args[0])
			return nil
		},
	}
	c.Flags().StringVar(&engine, "engine", "", "only this engine of the task's cluster")
	return c
}

func deploymentsCmd(flags *clientFlags) *cobra.Command {
	var history bool
	c := &cobra.Command{
		Use: "deployments TASK", Short: "Show a service task's deployment on each engine (or --history)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			path := "/orchestration/executables/tasks/" + args[0] + "/deployments"
			if history {
				path += "/history"
			}
			var list []deploymentView
			if err := c.do(cmd.Context(), "GET", path, nil, &list); err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ENGINE\tSTATUS\tSUB-STATUS\tVERSION\tPORT\tDEPLOYED BY\tSTART\tSTOP")
			for _, d := range list {
				name := d.EngineName
				if name == "" {
					name = d.EngineID
				}
				sub := d.SubStatus
				if d.MetricsStale {
					sub += " (metrics stale)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, d.Status, sub, d.ArtifactVersion, port(d.Port), d.DeployedBy, when(d.Start), when(d.Stop))
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&history, "history", false, "every earlier deployment instead of the current ones")
	return c
}

func port(p int) string {
	if p == 0 {
		return "-"
	}
	return fmt.Sprint(p)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}
