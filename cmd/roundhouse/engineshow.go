package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

func newEngineShowCmd(flags *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show ID", Short: "Show an engine: pairing, availability, host, last heartbeat and load", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			e, err := c.Engines().Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if flags.json {
				return printJSON(cmd.OutOrStdout(), e)
			}
			printEngine(cmd.OutOrStdout(), e, time.Now())
			return nil
		},
	}
}

func printEngine(w io.Writer, e *api.Engine, now time.Time) {
	fmt.Fprintf(w, "id:             %s\nname:           %s\nstatus:         %s\navailability:   %s\n", e.ID, e.Name, e.Status, e.Availability)
	fmt.Fprintf(w, "environment:    %s\n", e.EnvironmentID)
	for _, f := range [][2]string{{"workspace:      ", e.WorkspaceID}, {"cluster:        ", e.ClusterID},
		{"description:    ", e.Description}, {"version:        ", e.Version}} {
		if f[1] != "" {
			fmt.Fprintf(w, "%s%s\n", f[0], f[1])
		}
	}
	if e.PairDate != nil {
		fmt.Fprintf(w, "paired:         %s\n", e.PairDate.Format(time.RFC3339))
	}
	if h := e.Host; h != nil && h.Hostname != "" {
		fmt.Fprintf(w, "host:           %s (%s/%s, %d CPUs, %s memory)\n", h.Hostname, h.OS, h.Arch, h.CPUs, bytesIEC(h.MemoryBytes))
	}
	if e.LastHeartbeatAt == nil {
		fmt.Fprintln(w, "last heartbeat: never")
		return
	}
	fmt.Fprintf(w, "last heartbeat: %s (%s ago)\n", e.LastHeartbeatAt.Format(time.RFC3339), age(now, *e.LastHeartbeatAt))
	if s := e.HostSummary; s != nil {
		fmt.Fprintf(w, "cpu:            %.1f%%\nmemory:         %.1f%%\ndisk free:      %s\nrunning work:   %d\n",
			s.CPUPercent, s.MemoryPercent, bytesIEC(s.DiskFreeBytes), s.RunningWork)
	}
}

// loadColumns are the list's LAST HEARTBEAT, CPU and MEM cells.
func loadColumns(l api.Engine, now time.Time) (last, cpu, mem string) {
	last, cpu, mem = "-", "-", "-"
	if l.LastHeartbeatAt != nil {
		last = age(now, *l.LastHeartbeatAt) + " ago"
	}
	if s := l.HostSummary; s != nil {
		cpu, mem = fmt.Sprintf("%.1f%%", s.CPUPercent), fmt.Sprintf("%.1f%%", s.MemoryPercent)
	}
	return last, cpu, mem
}

func bytesIEC(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// age is how long ago t was, to the second; never negative (clocks differ).
func age(now, t time.Time) string {
	return max(now.Sub(t), 0).Round(time.Second).String()
}
