package main

import (
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

type environmentView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Default     bool   `json:"default"`
}

type workspaceView struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	EnvironmentID string `json:"environmentId"`
	Type          string `json:"type"`
	Owner         string `json:"owner"`
}

func newEnvironmentCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "env", Aliases: []string{"environments"}, Short: "Manage environments"}
	cmd.AddCommand(&cobra.Command{
		Use: "ls", Short: "List environments", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			var list []environmentView
			if err := c.do(cmd.Context(), "GET", "/orchestration/environments", nil, &list); err != nil {
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
			body := map[string]any{"name": args[0], "description": desc, "workspace": map[string]string{"name": wsName}}
			var env environmentView
			if err := c.do(cmd.Context(), "POST", "/orchestration/environments", body, &env); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), env.ID)
			return nil
		},
	}
	create.Flags().StringVar(&desc, "description", "", "description")
	create.Flags().StringVar(&wsName, "workspace", "Shared", "name of the first workspace")
	cmd.AddCommand(create, deleteCmd(flags, "rm ID", "Delete an environment and its workspaces", "/orchestration/environments/"))
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
			path := "/orchestration/workspaces"
			if envID != "" {
				path += "?environmentId=" + url.QueryEscape(envID)
			}
			var list []workspaceView
			if err := c.do(cmd.Context(), "GET", path, nil, &list); err != nil {
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
			body := map[string]string{"name": args[0], "environmentId": createEnv, "owner": owner, "description": desc}
			var ws workspaceView
			if err := c.do(cmd.Context(), "POST", "/orchestration/workspaces", body, &ws); err != nil {
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
	cmd.AddCommand(ls, create, deleteCmd(flags, "rm ID", "Delete a workspace (the last one takes its environment)", "/orchestration/workspaces/"))
	return cmd
}

// deleteCmd builds a "rm ID" subcommand sending DELETE prefix+ID.
func deleteCmd(flags *clientFlags, use, short, prefix string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			if err := c.do(cmd.Context(), "DELETE", prefix+url.PathEscape(args[0]), nil, nil); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "deleted", args[0])
			return nil
		},
	}
}
