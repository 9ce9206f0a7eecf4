package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

func newExecutionsCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "executions", Aliases: []string{"execution", "exec"}, Short: "Watch executions and read their logs"}
	cmd.AddCommand(executionsLsCmd(flags), executionsGetCmd(flags), executionsLogsCmd(flags),
		call(flags, "stop ID", "Stop an execution", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
			v, err := c.Executions().Stop(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), v.ExecutionStatus)
			return nil
		}))
	return cmd
}

func executionsLsCmd(flags *clientFlags) *cobra.Command {
	var status, task, engine, from, to string
	var limit, offset int
	ls := &cobra.Command{
		Use: "ls", Short: "List executions, newest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			f := api.ExecutionFilter{Status: status, TaskID: task, EngineID: engine, ListOptions: api.ListOptions{Limit: limit, Offset: offset}}
			for _, t := range []struct {
				flag, value string
				dst         *time.Time
			}{{"--from", from, &f.From}, {"--to", to, &f.To}} {
				if t.value == "" {
					continue
				}
				if *t.dst, err = time.Parse(time.RFC3339, t.value); err != nil {
					return fmt.Errorf("%s must be an RFC 3339 time, got %q", t.flag, t.value)
				}
			}
			page, err := c.Executions().List(cmd.Context(), f)
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), page)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTASK\tSTATUS\tENGINE\tTRIGGERED\tERROR")
			for _, e := range page.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.TaskID, e.ExecutionStatus, e.EngineID,
					e.TriggerTime.Local().Format(time.DateTime), e.ErrorMessage)
			}
			fmt.Fprintf(tw, "(%d of %d)\n", len(page.Items), page.Total)
			return tw.Flush()
		},
	}
	fl := ls.Flags()
	fl.StringVar(&status, "status", "", "executionStatus or short status")
	fl.StringVar(&task, "task", "", "task ID")
	fl.StringVar(&engine, "engine", "", "engine ID")
	fl.StringVar(&from, "from", "", "triggered at or after (RFC 3339)")
	fl.StringVar(&to, "to", "", "triggered before (RFC 3339)")
	fl.IntVar(&limit, "limit", 50, "page size (1-1000)")
	fl.IntVar(&offset, "offset", 0, "skip this many")
	return ls
}

func executionsGetCmd(flags *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "get ID", Short: "Show an execution", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			v, err := c.Executions().Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), v)
		},
	}
}

func executionsLogsCmd(flags *clientFlags) *cobra.Command {
	var follow bool
	logs := &cobra.Command{
		Use: "logs ID", Short: "Print an execution's logs; -f follows them until it ends", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			open := c.Executions().ReadLogs
			if follow {
				open = c.Executions().FollowLogs
			}
			st, err := open(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer st.Close()
			if flags.json {
				_, err := io.Copy(cmd.OutOrStdout(), st.Raw())
				return err
			}
			for {
				l, err := st.Next()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %-5s %s\n", l.Timestamp.Local().Format(time.RFC3339), l.Severity, l.Message)
			}
		},
	}
	logs.Flags().BoolVarP(&follow, "follow", "f", false, "stream new lines until the execution ends")
	return logs
}
