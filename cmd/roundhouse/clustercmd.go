package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

func newClusterCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Short: "Control-plane members"}
	cmd.AddCommand(&cobra.Command{
		Use: "members", Short: "List control-plane members", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			list, err := c.Cluster().Members(cmd.Context())
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tAPI\tRAFT\tVOTER\tLEADER")
			for _, m := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\n", m.ID, m.APIAddr, m.RaftAddr, m.Voter, m.Leader)
			}
			return tw.Flush()
		},
	})
	cmd.AddCommand(deleteCmd(flags, "remove ID", "Remove a node from the control plane",
		func(c *api.Client, ctx context.Context, id string) error { return c.Cluster().RemoveMember(ctx, id) }))
	return cmd
}

func newTokenCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Your personal access tokens"}
	var all bool
	ls := &cobra.Command{
		Use: "ls", Short: "List tokens (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			list, err := c.AccessTokens().List(cmd.Context(), all)
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tOWNER\tCREATED")
			for _, t := range list {
				fmt.Fprintf(tw, "%v\t%v\t%v\t%v\n", t.ID, t.Name, t.OwnerName, t.CreatedAt.Format(time.RFC3339Nano))
			}
			return tw.Flush()
		},
	}
	ls.Flags().BoolVar(&all, "all", false, "every user's tokens (needs Users - Manage)")
	create := &cobra.Command{
		Use: "create NAME", Short: "Create a token; its secret is printed once", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			out, err := c.AccessTokens().Create(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.Token)
			return nil
		},
	}
	cmd.AddCommand(ls, create, deleteCmd(flags, "revoke ID", "Revoke a token",
		func(c *api.Client, ctx context.Context, id string) error { return c.AccessTokens().Revoke(ctx, id) }))
	return cmd
}

func newAuditCmd(flags *clientFlags) *cobra.Command {
	var after uint64
	var limit int
	cmd := &cobra.Command{
		Use: "audit", Short: "Read the audit log", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			list, err := c.AuditLog(cmd.Context(), after, limit)
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tTIME\tWHO\tIP\tACTION\tTARGET")
			for _, e := range list {
				fmt.Fprintf(tw, "%v\t%v\t%v\t%v\t%v\t%v %v\n", e.Seq, e.Time.Format(time.RFC3339Nano), e.ActorName, e.ClientIP, e.Action, e.TargetID, e.TargetName)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().Uint64Var(&after, "after", 0, "only entries after this sequence number")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many entries")
	return cmd
}
