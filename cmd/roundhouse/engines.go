package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

func newEngineCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "engines", Aliases: []string{"engine"}, Short: "Manage Remote Engines"}
	var envID string
	ls := &cobra.Command{
		Use: "ls", Short: "List engines with their pairing status and availability", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			list, err := c.Engines().List(cmd.Context(), api.EngineFilter{EnvironmentID: envID})
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tAVAILABILITY\tLAST HEARTBEAT\tCPU\tMEM\tENVIRONMENT\tCLUSTER\tVERSION")
			now := time.Now()
			for _, e := range list {
				last, cpu, mem := loadColumns(e, now)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Name, e.Status, e.Availability, last, cpu, mem, e.EnvironmentID, e.ClusterID, e.Version)
			}
			return tw.Flush()
		},
	}
	ls.Flags().StringVar(&envID, "env", "", "only this environment's engines")
	cmd.AddCommand(ls, newEngineShowCmd(flags), newEngineCreateCmd(flags), newEngineKeyCmd(flags),
		deleteCmd(flags, "rm ID", "Delete an engine (its agent is disconnected for good)",
			func(c *api.Client, ctx context.Context, id string) error { return c.Engines().Delete(ctx, id) }))
	return cmd
}

func newEngineCreateCmd(flags *clientFlags) *cobra.Command {
	var envID, wsID, desc string
	create := &cobra.Command{
		Use: "create NAME", Short: "Create an engine and print its pair key (shown once)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			e, err := c.Engines().Create(cmd.Context(), api.EngineCreate{Name: args[0], EnvironmentID: envID, WorkspaceID: wsID, Description: desc})
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), e)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "engine %s created; pair it on its host with:\n  roundhouse-engine pair --server HOST:7443 --key %s\n", e.ID, e.PreAuthorizedKey)
			return nil
		},
	}
	create.Flags().StringVar(&envID, "env", "", "environment ID (required)")
	create.Flags().StringVar(&wsID, "workspace", "", "workspace ID")
	create.Flags().StringVar(&desc, "description", "", "description")
	_ = create.MarkFlagRequired("env")
	return create
}

func newEngineKeyCmd(flags *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "key ID", Short: "Issue a new pair key (the old one stops working; a paired engine is unpaired)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			k, err := c.Engines().NewPairKey(cmd.Context(), args[0], 0)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), k.PreAuthorizedKey)
			return nil
		},
	}
}
