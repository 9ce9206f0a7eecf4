// Command roundhouse is the control-plane node (`roundhouse server`) and the
// admin CLI. This file only wires subcommands; each lives in its own file.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "roundhouse:", err)
		os.Exit(exitCode(err))
	}
}

// newRootCmd builds the whole command tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "roundhouse",
		Short:         "Roundhouse control plane and admin CLI",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	var flags clientFlags
	flags.register(root)
	root.AddCommand(
		newVersionCmd(),
		newServerCmd(),
		newLoginCmd(&flags),
		newEnvironmentCmd(&flags),
		newWorkspaceCmd(&flags),
		newClusterCmd(&flags),
		newTokenCmd(&flags),
		newAuditCmd(&flags),
		newUserCmd(&flags), newRoleCmd(&flags), newServiceAccountCmd(&flags),
		withArtifactRepo(newArtifactCmd(), &flags), withDeployments(newTasksCmd(&flags), &flags), newExecutionsCmd(&flags),
		newEngineCmd(&flags), newScheduleCmd(&flags), newPlansCmd(&flags), newPermissionsCmd(&flags),
	)
	return root
}
