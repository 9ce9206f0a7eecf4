package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
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
			var list []struct {
				ID       string `json:"id"`
				RaftAddr string `json:"raftAddr"`
				APIAddr  string `json:"apiAddr"`
				Voter    bool   `json:"voter"`
				Leader   bool   `json:"leader"`
			}
			if err := c.do(cmd.Context(), "GET", "/cluster/members", nil, &list); err != nil {
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
	cmd.AddCommand(deleteCmd(flags, "remove ID", "Remove a node from the control plane", "/cluster/members/"))
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
			var list []map[string]any
			if err := c.do(cmd.Context(), "GET", "/account/access-tokens?all="+strconv.FormatBool(all), nil, &list); err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tOWNER\tCREATED")
			for _, t := range list {
				fmt.Fprintf(tw, "%v\t%v\t%v\t%v\n", t["id"], t["name"], t["ownerName"], t["createdAt"])
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
			var out struct {
				Token string `json:"token"`
			}
			if err := c.do(cmd.Context(), "POST", "/account/access-tokens", map[string]string{"name": args[0]}, &out); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.Token)
			return nil
		},
	}
	cmd.AddCommand(ls, create, deleteCmd(flags, "revoke ID", "Revoke a token", "/account/access-tokens/"))
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
			var list []map[string]any
			path := fmt.Sprintf("/account/audit-logs?after=%d&limit=%d", after, limit)
			if err := c.do(cmd.Context(), "GET", path, nil, &list); err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tTIME\tWHO\tIP\tACTION\tTARGET")
			for _, e := range list {
				fmt.Fprintf(tw, "%v\t%v\t%v\t%v\t%v\t%v %v\n", e["seq"], e["time"], e["actorName"], e["clientIp"], e["action"], e["targetId"], e["targetName"])
			}
			return tw.Flush()
		},
	}
	cmd.Flags().Uint64Var(&after, "after", 0, "only entries after this sequence number")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many entries")
	return cmd
}
