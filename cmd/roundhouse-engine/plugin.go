package main

import (
	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/plugins/builtin"
)

// newPluginCmd serves a built-in plugin. The agent re-executes itself
// with it; go-plugin's handshake refuses to run it by hand.
func newPluginCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "plugin NAME",
		Short:  "Serve a built-in workload plugin (started by the agent, not by hand)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return builtin.Serve(args[0])
		},
	}
}
