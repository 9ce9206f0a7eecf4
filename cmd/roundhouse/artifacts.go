package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

// withArtifactRepo adds the repository subcommands (upload, ls, rm) to the
// artifact command, which builds archives locally.
func withArtifactRepo(cmd *cobra.Command, flags *clientFlags) *cobra.Command {
	cmd.Aliases = append(cmd.Aliases, "artifacts")
	cmd.Short = "Build artifact archives; upload, list and delete them in the repository"
	var workspace string
	upload := &cobra.Command{
		Use: "upload FILE", Short: "Upload an artifact archive (.tar.gz holding artifact.json), showing progress", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageError{err}
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			pr := &progressReader{r: f, total: fi.Size()}
			done, reported := make(chan struct{}), make(chan struct{})
			go func() { defer close(reported); pr.report(cmd.ErrOrStderr(), done) }()
			out, err := c.Artifacts().Upload(cmd.Context(), workspace, pr, fi.Size())
			close(done)
			<-reported
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "artifact %v version %v (%v)", out.ID, out.Version, out.Digest)
			if out.TaskID != "" {
				fmt.Fprintf(cmd.OutOrStdout(), ", task %v created", out.TaskID)
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return nil
		},
	}
	upload.Flags().StringVar(&workspace, "workspace", "", "workspace ID (default: the default environment's Shared workspace)")
	cmd.AddCommand(upload, &cobra.Command{
		Use: "ls", Short: "List artifacts", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			list, err := c.Artifacts().List(cmd.Context(), "")
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tTYPE\tLATEST\tVERSIONS")
			for _, a := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ID, a.Name, a.Type, a.LatestVersion, strings.Join(a.Versions, ","))
			}
			return tw.Flush()
		},
	}, deleteCmd(flags, "rm ID", "Delete an artifact (all versions; refused while a task uses it)",
		func(c *api.Client, ctx context.Context, id string) error { return c.Artifacts().Delete(ctx, id) }))
	return cmd
}

// progressReader counts bytes read so the upload can show its progress.
type progressReader struct {
	r     io.Reader
	total int64
	read  atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read.Add(int64(n))
	return n, err
}

func (p *progressReader) report(w io.Writer, done <-chan struct{}) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			fmt.Fprintf(w, "\ruploaded %d / %d bytes\n", p.read.Load(), p.total)
			return
		case <-t.C:
			pct := 100 * float64(p.read.Load()) / float64(max(p.total, 1))
			fmt.Fprintf(w, "\ruploaded %d / %d bytes (%.0f%%)", p.read.Load(), p.total, pct)
		}
	}
}
