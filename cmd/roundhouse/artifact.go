package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/protocol/artifact"
)

func newArtifactCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "artifact", Short: "Build and inspect artifact archives"}
	cmd.AddCommand(newArtifactBuildCmd())
	return cmd
}

func newArtifactBuildCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "build DIR",
		Short: "Build NAME-VERSION.tar.gz from a directory holding artifact.json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("artifact build takes exactly one directory, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			path, m, digest, err := artifact.BuildFile(args[0], out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s %s (%s)\t%s\n", path, m.Name, m.Version, m.Type, digest)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "archive path (default NAME-VERSION.tar.gz in the current directory)")
	return cmd
}
