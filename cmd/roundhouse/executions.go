package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

type executionView struct {
	ID              string     `json:"executionId"`
	TaskID          string     `json:"jobId"`
	ExecutionStatus string     `json:"executionStatus"`
	Status          string     `json:"status"`
	EngineID        string     `json:"remoteEngineId"`
	TriggerTime     time.Time  `json:"triggerTimestamp"`
	FinishedAt      *time.Time `json:"finishTimestamp"`
	ErrorMessage    string     `json:"errorMessage"`
}

func newExecutionsCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "executions", Aliases: []string{"execution", "exec"}, Short: "Watch executions and read their logs"}
	cmd.AddCommand(executionsLsCmd(flags), executionsGetCmd(flags), executionsLogsCmd(flags),
		&cobra.Command{
			Use: "stop ID", Short: "Stop an execution", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := flags.client()
				if err != nil {
					return err
				}
				var v executionView
				if err := c.do(cmd.Context(), "POST", "/processing/executions/"+args[0]+"/stop", nil, &v); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), v.ExecutionStatus)
				return nil
			},
		})
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
			q := url.Values{}
			for k, v := range map[string]string{"status": status, "taskId": task, "engineId": engine, "from": from, "to": to} {
				if v != "" {
					q.Set(k, v)
				}
			}
			q.Set("limit", fmt.Sprint(limit))
			q.Set("offset", fmt.Sprint(offset))
			var page struct {
				Items []executionView `json:"items"`
				Total int             `json:"total"`
			}
			if err := c.do(cmd.Context(), "GET", "/processing/executions?"+q.Encode(), nil, &page); err != nil {
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
			var v map[string]any
			if err := c.do(cmd.Context(), "GET", "/processing/executions/"+args[0], nil, &v); err != nil {
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
			path := "/processing/executions/" + args[0] + "/logs"
			if follow {
				path += "?follow=true"
			}
			resp, err := c.stream(cmd.Context(), "GET", path, "", nil, 0)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if flags.json {
				_, err := io.Copy(cmd.OutOrStdout(), resp.Body)
				return err
			}
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
			for sc.Scan() {
				var l struct {
					Timestamp time.Time `json:"timestamp"`
					Severity  string    `json:"severity"`
					Message   string    `json:"logMessage"`
				}
				if json.Unmarshal(sc.Bytes(), &l) != nil {
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %-5s %s\n", l.Timestamp.Local().Format(time.RFC3339), l.Severity, l.Message)
			}
			return sc.Err()
		},
	}
	logs.Flags().BoolVarP(&follow, "follow", "f", false, "stream new lines until the execution ends")
	return logs
}
