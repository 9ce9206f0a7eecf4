// Command roundhouse-engine is the engine agent installed on customer hosts
// (`pair`, `run`, `install`, `status`) and, re-executed as
// `roundhouse-engine plugin NAME`, the built-in workload plugins. This file
// only wires subcommands; each lives in its own file.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "roundhouse-engine:", err)
		os.Exit(1)
	}
}

// newRootCmd builds the whole command tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "roundhouse-engine",
		Short:         "Roundhouse engine agent",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newVersionCmd(), newPairCmd(), newRunCmd(), newInstallCmd(), newStatusCmd(), newPluginCmd())
	return root
}

// newVersionCmd prints the version, as --version does.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use: "version", Short: "Print the version", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), version)
			return nil
		},
	}
}
