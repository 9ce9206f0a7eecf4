package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// ownerPath maps "task"/"plan" to its API collection.
func ownerPath(kind string) (string, error) {
	switch kind {
	case "task", "tasks":
		return "/orchestration/executables/tasks/", nil
	case "plan", "plans":
		return "/orchestration/executables/plans/", nil
	}
	return "", fmt.Errorf("kind must be task or plan, got %q", kind)
}

// readJSONFile reads a JSON document from a file ("-" is stdin).
func readJSONFile(path string) (json.RawMessage, error) {
	var raw []byte
	var err error
	if path == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("%s is not valid JSON", path)
	}
	return raw, nil
}

func newScheduleCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "schedule", Short: "Triggers and webhooks of tasks and plans"}
	cmd.AddCommand(scheduleRequestCmd(flags, "get KIND ID", "Show a schedule, its next runs and recent fires", "GET", ""),
		scheduleRequestCmd(flags, "rm KIND ID", "Delete every trigger of a task or plan", "DELETE", ""),
		scheduleSetCmd(flags), scheduleWebhookCmd(flags))
	return cmd
}

func scheduleRequestCmd(flags *clientFlags, use, short, method, suffix string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := ownerPath(args[0])
			if err != nil {
				return err
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			var out any
			if err := c.do(cmd.Context(), method, base+args[1]+"/schedule"+suffix, nil, &out); err != nil {
				return err
			}
			if out == nil {
				return nil
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
}

func scheduleSetCmd(flags *clientFlags) *cobra.Command {
	var file string
	set := &cobra.Command{
		Use: "set KIND ID -f FILE", Short: `Replace the triggers of a task or plan with FILE's {"triggers": [...]}`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := ownerPath(args[0])
			if err != nil {
				return err
			}
			body, err := readJSONFile(file)
			if err != nil {
				return err
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			return c.do(cmd.Context(), "PUT", base+args[1]+"/schedule", body, nil)
		},
	}
	set.Flags().StringVarP(&file, "file", "f", "-", "JSON file with the triggers (- for stdin)")
	return set
}

func scheduleWebhookCmd(flags *clientFlags) *cobra.Command {
	var threshold, duration int
	wh := &cobra.Command{
		Use: "webhook KIND ID", Short: "Create a webhook (its secret URL is printed once)", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := ownerPath(args[0])
			if err != nil {
				return err
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			var out struct {
				URL string `json:"url"`
			}
			if err := c.do(cmd.Context(), "POST", base+args[1]+"/webhook",
				map[string]int{"windowThreshold": threshold, "windowDuration": duration}, &out); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.URL)
			return nil
		},
	}
	wh.Flags().IntVar(&threshold, "threshold", 10, "calls that fire one run")
	wh.Flags().IntVar(&duration, "duration", 30, "seconds after the first call that fire one run")
	return wh
}
