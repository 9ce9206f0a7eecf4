package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

func newEnvironmentCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "env", Aliases: []string{"environments"}, Short: "Manage environments"}
	cmd.AddCommand(&cobra.Command{
		Use: "ls", Short: "List environments", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			list, err := c.Environments().List(cmd.Context(), "")
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tDEFAULT\tDESCRIPTION")
			for _, e := range list {
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", e.ID, e.Name, e.Default, e.Description)
			}
			return tw.Flush()
		},
	})
	var desc, wsName string
	create := &cobra.Command{
		Use: "create NAME", Short: "Create an environment with its first workspace", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			in := api.EnvironmentCreate{Name: args[0], Description: desc, Workspace: &api.WorkspaceCreate{Name: wsName}}
			env, err := c.Environments().Create(cmd.Context(), in)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), env.ID)
			return nil
		},
	}
	create.Flags().StringVar(&desc, "description", "", "description")
	create.Flags().StringVar(&wsName, "workspace", "Shared", "name of the first workspace")
	cmd.AddCommand(create, deleteCmd(flags, "rm ID", "Delete an environment and its workspaces",
		func(c *api.Client, ctx context.Context, id string) error { return c.Environments().Delete(ctx, id) }))
	return cmd
}

func newWorkspaceCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "workspace", Aliases: []string{"ws"}, Short: "Manage workspaces"}
	var envID string
	ls := &cobra.Command{
		Use: "ls", Short: "List workspaces", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			list, err := c.Workspaces().List(cmd.Context(), api.WorkspaceFilter{EnvironmentID: envID})
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tTYPE\tENVIRONMENT\tOWNER")
			for _, w := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", w.ID, w.Name, w.Type, w.EnvironmentID, w.Owner)
			}
			return tw.Flush()
		},
	}
	ls.Flags().StringVar(&envID, "env", "", "only this environment's workspaces")
	var createEnv, owner, desc string
	create := &cobra.Command{
		Use: "create NAME", Short: "Create a custom workspace", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			in := api.WorkspaceCreate{Name: args[0], EnvironmentID: createEnv, Owner: owner, Description: desc}
			ws, err := c.Workspaces().Create(cmd.Context(), in)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), ws.ID)
			return nil
		},
	}
	create.Flags().StringVar(&createEnv, "env", "", "environment ID (required)")
	create.Flags().StringVar(&owner, "owner", "", "owner user ID (default: you)")
	create.Flags().StringVar(&desc, "description", "", "description")
	_ = create.MarkFlagRequired("env")
	cmd.AddCommand(ls, create, deleteCmd(flags, "rm ID", "Delete a workspace (the last one takes its environment)",
		func(c *api.Client, ctx context.Context, id string) error { return c.Workspaces().Delete(ctx, id) }))
	return cmd
}
