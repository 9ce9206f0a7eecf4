package main

import (
	"fmt"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

type engineListView struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	EnvironmentID    string `json:"environmentId"`
	ClusterID        string `json:"clusterId"`
	Status           string `json:"status"`
	Availability     string `json:"availability"`
	Version          string `json:"version"`
	PreAuthorizedKey string `json:"preAuthorizedKey"`
	engineLoad
}

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
			path := "/processing/runtimes/remote-engines"
			if envID != "" {
				path += "?environmentId=" + url.QueryEscape(envID)
			}
			var list []engineListView
			if err := c.do(cmd.Context(), "GET", path, nil, &list); err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tAVAILABILITY\tLAST HEARTBEAT\tCPU\tMEM\tENVIRONMENT\tCLUSTER\tVERSION")
			now := time.Now()
			for _, e := range list {
				last, cpu, mem := loadColumns(e.engineLoad, now)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Name, e.Status, e.Availability, last, cpu, mem, e.EnvironmentID, e.ClusterID, e.Version)
			}
			return tw.Flush()
		},
	}
	ls.Flags().StringVar(&envID, "env", "", "only this environment's engines")
	cmd.AddCommand(ls, newEngineShowCmd(flags), newEngineCreateCmd(flags), newEngineKeyCmd(flags),
		deleteCmd(flags, "rm ID", "Delete an engine (its agent is disconnected for good)", "/processing/runtimes/remote-engines/"))
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
			body := map[string]string{"name": args[0], "environmentId": envID, "workspaceId": wsID, "description": desc}
			var e engineListView
			if err := c.do(cmd.Context(), "POST", "/processing/runtimes/remote-engines", body, &e); err != nil {
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
			var k struct {
				PreAuthorizedKey string `json:"preAuthorizedKey"`
			}
			if err := c.do(cmd.Context(), "POST", "/processing/runtimes/remote-engines/"+url.PathEscape(args[0])+"/pre-authorized-key", nil, &k); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), k.PreAuthorizedKey)
			return nil
		},
	}
}
