package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

// withDeployments adds deploy, undeploy and deployments to the tasks
// command: route and data-service tasks are deployed, not run.
func withDeployments(cmd *cobra.Command, flags *clientFlags) *cobra.Command {
	cmd.AddCommand(deployActionCmd(flags, "deploy", "Deploy a route or data-service task (the whole cluster, or --engine only)"),
		deployActionCmd(flags, "undeploy", "Undeploy a route or data-service task (everywhere, or --engine only)"),
		deploymentsCmd(flags), serviceConfigCmd(flags))
	return cmd
}

// serviceConfigCmd sets a service task's run config: where it deploys and
// how it rolls out.
func serviceConfigCmd(flags *clientFlags) *cobra.Command {
	var engine, cluster, strategy, metricPath, runProfile string
	var port, minHealthy, deadline, shutdownDelay int
	var rollback bool
	c := &cobra.Command{
		Use: "service-config TASK", Short: "Set a route or data-service task's engine or cluster and deployment settings", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (engine == "") == (cluster == "") {
				return usageError{fmt.Errorf("give one of --engine or --cluster")}
			}
			rt := api.TaskRuntime{Type: api.RuntimeEngine, ID: engine, RunProfileID: runProfile}
			if cluster != "" {
				rt = api.TaskRuntime{Type: api.RuntimeEngineCluster, ID: cluster, RunProfileID: runProfile}
			}
			rc := api.RunConfig{Runtime: rt, ServiceConfig: api.ServiceConfig{DeploymentStrategy: strategy, Rollback: rollback,
				MinHealthySeconds: minHealthy, ProgressDeadlineSeconds: deadline}}
			if port != 0 {
				rc.Port = &api.PortAssignment{Type: "CUSTOM", Value: port}
			}
			fl := cmd.Flags()
			if fl.Changed("metric-path") {
				rc.MetricPath = &metricPath
			}
			if fl.Changed("shutdown-delay") {
				rc.ShutdownDelaySeconds = &shutdownDelay
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			return c.Tasks().SetRunConfig(cmd.Context(), args[0], rc)
		},
	}
	fl := c.Flags()
	fl.StringVar(&engine, "engine", "", "deploy on this engine (strategy SINGLE_NODE)")
	fl.StringVar(&cluster, "cluster", "", "deploy on this engine cluster (strategy PARALLEL or ROLLING)")
	fl.StringVar(&runProfile, "run-profile", "", "run profile ID (default: the MICROSERVICE or TALEND_RUNTIME profile there)")
	fl.StringVar(&strategy, "strategy", "", "SINGLE_NODE, PARALLEL or ROLLING (default SINGLE_NODE on an engine, ROLLING on a cluster)")
	fl.IntVar(&port, "port", 0, "one custom port (1024-65535) for every instance (default: automatic)")
	fl.StringVar(&metricPath, "metric-path", "", "metric path (default the artifact name; \"\" for no metrics)")
	fl.BoolVar(&rollback, "rollback", false, "roll back to the previous version when a rollout fails")
	fl.IntVar(&minHealthy, "min-healthy", 0, "rolling: seconds an instance stays healthy before the next engine (default 10)")
	fl.IntVar(&deadline, "progress-deadline", 0, "seconds one rollout step may take (default 300)")
	fl.IntVar(&shutdownDelay, "shutdown-delay", 0, "seconds an instance shows UNDEPLOYING before its stop (default 2)")
	return c
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
			var out any
			if action == "deploy" {
				out, err = c.Deployments().Deploy(cmd.Context(), args[0], engine)
			} else {
				out, err = c.Deployments().Undeploy(cmd.Context(), args[0], engine)
			}
			if err != nil {
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
			read := c.Deployments().List
			if history {
				read = c.Deployments().History
			}
			list, err := read(cmd.Context(), args[0])
			if err != nil {
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
