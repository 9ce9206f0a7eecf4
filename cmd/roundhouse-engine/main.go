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
	root := &cobra.Command{
		Use:           "roundhouse-engine",
		Short:         "Roundhouse engine agent",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.AddCommand(newPairCmd(), newRunCmd(), newInstallCmd(), newStatusCmd(), newPluginCmd())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "roundhouse-engine:", err)
		os.Exit(1)
	}
}
