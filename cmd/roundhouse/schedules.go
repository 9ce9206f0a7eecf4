package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

// ownerSchedules maps "task"/"plan" to its schedule calls.
func ownerSchedules(c *api.Client, kind string) (api.Schedules, error) {
	switch kind {
	case "task", "tasks":
		return c.TaskSchedules(), nil
	case "plan", "plans":
		return c.PlanSchedules(), nil
	}
	return api.Schedules{}, fmt.Errorf("kind must be task or plan, got %q", kind)
}

// readJSONFile reads a JSON document from a file ("-" is stdin) into v,
// refusing fields v does not have.
func readJSONFile(path string, v any) error {
	var raw []byte
	var err error
	if path == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func newScheduleCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "schedule", Short: "Triggers and webhooks of tasks and plans"}
	cmd.AddCommand(
		scheduleCmd(flags, "get KIND ID", "Show a schedule, its next runs and recent fires", func(cmd *cobra.Command, s api.Schedules, id string) error {
			out, err := s.Get(cmd.Context(), id)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), out)
		}),
		scheduleCmd(flags, "rm KIND ID", "Delete every trigger of a task or plan", func(cmd *cobra.Command, s api.Schedules, id string) error {
			return s.Delete(cmd.Context(), id)
		}),
		scheduleSetCmd(flags), scheduleWebhookCmd(flags))
	return cmd
}

// scheduleCmd is a "KIND ID" subcommand calling run on that kind's
// schedules.
func scheduleCmd(flags *clientFlags, use, short string, run func(cmd *cobra.Command, s api.Schedules, id string) error) *cobra.Command {
	return call(flags, use, short, 2, func(cmd *cobra.Command, c *api.Client, args []string) error {
		s, err := ownerSchedules(c, args[0])
		if err != nil {
			return err
		}
		return run(cmd, s, args[1])
	})
}

func scheduleSetCmd(flags *clientFlags) *cobra.Command {
	var file string
	set := scheduleCmd(flags, "set KIND ID -f FILE", `Replace the triggers of a task or plan with FILE's {"triggers": [...]}`,
		func(cmd *cobra.Command, s api.Schedules, id string) error {
			var in struct {
				Triggers []api.Trigger `json:"triggers"`
			}
			if err := readJSONFile(file, &in); err != nil {
				return err
			}
			return s.Set(cmd.Context(), id, in.Triggers)
		})
	set.Flags().StringVarP(&file, "file", "f", "-", "JSON file with the triggers (- for stdin)")
	return set
}

func scheduleWebhookCmd(flags *clientFlags) *cobra.Command {
	var threshold, duration int
	wh := scheduleCmd(flags, "webhook KIND ID", "Create a webhook (its secret URL is printed once)",
		func(cmd *cobra.Command, s api.Schedules, id string) error {
			out, err := s.CreateWebhook(cmd.Context(), id, api.WebhookCreate{WindowThreshold: threshold, WindowDuration: duration})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.URL)
			return nil
		})
	wh.Flags().IntVar(&threshold, "threshold", 10, "calls that fire one run")
	wh.Flags().IntVar(&duration, "duration", 30, "seconds after the first call that fire one run")
	return wh
}
